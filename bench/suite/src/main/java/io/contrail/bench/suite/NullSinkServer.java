package io.contrail.bench.suite;

import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The null sink: an OTLP/HTTP endpoint that does nothing but what every receiver must — read the
 * whole request body of {@code POST /v1/traces} and answer 200 with an empty
 * {@code ExportTraceServiceResponse} (protobuf). It runs on Javalin (Jetty) with Javalin's defaults,
 * as {@code contrail serve} does, in a JVM of its own with the same heap, so that Contrail's
 * acknowledged rate beside the null sink's (same clients, same corpus, same run) says what
 * Contrail's work costs beyond HTTP itself, and the null sink's CPU per span what HTTP costs.
 * Nothing is decoded, checked, logged or stored; gzip'd bodies are read as they come.
 *
 * <p>Run by {@link NullSinkPeer}: {@code java … io.contrail.bench.suite.NullSinkServer [--port N]}
 * prints "Null sink listening on URL" and serves until killed.
 */
public final class NullSinkServer {

    private static final byte[] EMPTY_RESPONSE = ExportTraceServiceResponse.getDefaultInstance().toByteArray();

    private NullSinkServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: NullSinkServer [--port N]");
                System.exit(2);
            }
        }
        AtomicLong bodyBytes = new AtomicLong();
        int listenPort = port;
        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = "127.0.0.1";
            javalin.jetty.port = listenPort;
            javalin.startup.showJavalinBanner = false;
            javalin.routes.post("/v1/traces", ctx -> {
                bodyBytes.addAndGet(ctx.bodyAsBytes().length);
                ctx.status(HttpStatus.OK).contentType("application/x-protobuf").result(EMPTY_RESPONSE);
            });
            javalin.routes.get("/health", ctx -> ctx.json(java.util.Map.of("status", "ok", "bodyBytesRead",
                    bodyBytes.get())));
        });
        app.start();
        System.out.println("Null sink listening on http://127.0.0.1:" + app.port());
        new CountDownLatch(1).await();
    }
}
