package io.contrail.http.flight;

import io.contrail.http.tls.ServerCertificate;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Arrow Flight SQL endpoint: a Flight server (Apache Arrow's {@code flight-core}, its protocol and
 * {@code flight-sql}'s commands, nothing hand-written) on a port of its own — 4319 by default — for SQL clients
 * that speak Flight SQL: the Arrow Flight SQL JDBC driver (DBeaver, any JDBC tool), ADBC (Python, R, Go).
 * {@link SpanSqlProducer} answers each call from the query engine of the call's tenant, which {@link CallTenants}
 * decides from its headers before the call runs (the tokens of {@code --auth}, the tenant header).
 *
 * <p>With a certificate it serves TLS only, with the chain and key HTTPS presents. Messages from clients (a
 * statement, a batch of parameters) may be at most {@code maxMessageBytes}; the Arrow buffers of the answers being
 * sent take at most {@link #MAX_ARROW_BYTES} together (a call past it is answered RESOURCE_EXHAUSTED), each answer
 * holding one batch at a time while gRPC's flow control keeps a slow client from queueing more; at most
 * {@link #MAX_STREAMING_ANSWERS} answers stream at once.
 */
public final class FlightSqlEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(FlightSqlEndpoint.class);
    /** The Arrow buffers all Flight SQL calls may hold at once: answers being sent, parameters being read. */
    static final long MAX_ARROW_BYTES = 1L << 30;
    /** The most answers streamed at once, each on a thread of its own ({@link StreamedAnswer}); past it RESOURCE_EXHAUSTED. */
    static final int MAX_STREAMING_ANSWERS = 64;
    /** How long {@link #stop()} lets calls in flight finish. */
    private static final long STOP_TIMEOUT_MILLIS = 10_000;

    /**
     * What the endpoint serves with.
     *
     * @param host            the address to listen on
     * @param port            the port; 0 picks a free one
     * @param tls             the certificate to serve TLS with; null: plain gRPC
     * @param maxMessageBytes the largest message a client may send
     * @param serverName      the server's name, as {@code GetSqlInfo} answers it
     * @param serverVersion   its version
     * @param queryTimeout    how long a statement may run, as {@code GetSqlInfo} answers it (the engine enforces it)
     */
    public record Settings(String host, int port, ServerCertificate tls, long maxMessageBytes, String serverName,
                           String serverVersion, Duration queryTimeout) {
    }

    private final BufferAllocator allocator;
    private final ExecutorService answers;
    private final FlightServer server;

    private FlightSqlEndpoint(BufferAllocator allocator, ExecutorService answers, FlightServer server) {
        this.allocator = allocator;
        this.answers = answers;
        this.server = server;
    }

    /**
     * Listens as {@code settings} say, answering each call for the tenant {@code tenants} finds.
     *
     * @throws IOException naming the address and the {@code --flight-port} option when it cannot listen
     */
    public static FlightSqlEndpoint start(Settings settings, CallTenants tenants) throws IOException {
        BufferAllocator allocator = new RootAllocator(MAX_ARROW_BYTES);
        ExecutorService answers = answerThreads();
        FlightServer server;
        try {
            server = build(settings, tenants, allocator, answers);
        } catch (RuntimeException e) {
            answers.shutdown();
            allocator.close();
            throw e;
        }
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.shutdown();
            answers.shutdown();
            allocator.close();
            throw new IOException("cannot listen for Flight SQL on " + bracketed(settings.host()) + ":" + settings.port()
                    + ": " + rootMessage(e) + " (choose another port with --flight-port, or turn Flight SQL off with "
                    + "--flight-port -1)", e);
        }
        return new FlightSqlEndpoint(allocator, answers, server);
    }

    /** Up to {@link #MAX_STREAMING_ANSWERS} daemon threads, made as answers start, none queued. */
    private static ExecutorService answerThreads() {
        AtomicInteger made = new AtomicInteger();
        return new ThreadPoolExecutor(0, MAX_STREAMING_ANSWERS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "contrail-flight-answer-" + made.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    private static FlightServer build(Settings settings, CallTenants tenants, BufferAllocator allocator,
                                      ExecutorService answers) {
        SpanSqlProducer producer = new SpanSqlProducer(tenants, allocator,
                new ServerInfo(settings.serverName(), settings.serverVersion(), settings.queryTimeout()), answers);
        Location location = settings.tls() == null ? Location.forGrpcInsecure(settings.host(), settings.port())
                : Location.forGrpcTls(settings.host(), settings.port());
        FlightServer.Builder building = FlightServer.builder(allocator, location, producer)
                .middleware(CallTenant.KEY, new CallTenant.FromHeaders(tenants))
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, settings.maxMessageBytes()));
        if (settings.tls() != null) {
            try {
                building.useTls(new ByteArrayInputStream(settings.tls().chainPem()),
                        new ByteArrayInputStream(settings.tls().keyPem()));
            } catch (IOException e) {
                // Streams over bytes in memory cannot fail to read.
                throw new UncheckedIOException(e);
            }
        }
        return building.build();
    }

    /** The port listened on (the chosen one when started with port 0). */
    public int port() {
        return server.getPort();
    }

    /**
     * Refuses new calls and lets those in flight finish (up to 10 s), then stops the answers still streaming, so none
     * runs once the stores close.
     */
    public void stop() {
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Flight SQL calls still running after {} ms are cut off", STOP_TIMEOUT_MILLIS);
            }
            server.close();
            answers.shutdownNow();
            if (!answers.awaitTermination(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Flight SQL answers still streaming after {} ms", STOP_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            allocator.close();
        } catch (IllegalStateException e) {
            // A call cut off may still hold buffers; they go with the process.
            LOG.warn("Flight SQL's Arrow memory was not all returned at stop: {}", e.getMessage());
        }
    }

    private static String bracketed(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
