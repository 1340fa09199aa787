package io.contrail.bench.suite;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * Sends a corpus to an OTLP/HTTP endpoint ({@code POST /v1/traces}, protobuf) from N concurrent
 * clients, each with one HTTP/1.1 connection posting one request at a time, as SDK exporters do.
 *
 * <p>Only a 200 counts, less the spans the server rejected in an OTLP partial success. A 429 or
 * 503 is counted and the same request is retried after the server's Retry-After (default 1 s), as
 * the OTLP specification says; anything else is an error, counted by kind, and the request is given
 * up. The bench's own copy of a sender because {@code bench/load}'s driver generates its workload
 * itself and keeps its clients package-private; this one replays the corpus every peer receives.
 */
final class OtlpSender {

    static final int DEFAULT_CLIENTS = 8;
    static final int MAX_ATTEMPTS = 120;
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    /** Requests read ahead of the clients; bodies are ~200 KB, so this bounds the sender's memory. */
    static final int READ_AHEAD_REQUESTS = 64;

    /**
     * What the server acknowledged.
     *
     * @param ackSeconds from the first request sent to the last answer received
     */
    record Result(long spansSent, long spansAcknowledged, long spansRejected, long requestsAcknowledged,
                  long refused429, long refused503, Map<String, Long> errors, double ackSeconds,
                  long latencyP50Nanos, long latencyP99Nanos, long bodyBytesSent) {

        long spansFailed() {
            return spansSent - spansAcknowledged - spansRejected;
        }
    }

    private final URI endpoint;
    private final int clients;
    private final boolean gzip;
    private final AtomicLong spansAcknowledged = new AtomicLong();
    private final AtomicLong spansRejected = new AtomicLong();
    private final AtomicLong requestsAcknowledged = new AtomicLong();
    private final AtomicLong refused429 = new AtomicLong();
    private final AtomicLong refused503 = new AtomicLong();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final Map<String, Long> errors = Collections.synchronizedMap(new TreeMap<>());
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    /** Set by {@link #stop()}: no request is started after it. */
    private volatile boolean stopped;

    OtlpSender(URI baseUrl, int clients, boolean gzip) {
        this.endpoint = URI.create(baseUrl + "/v1/traces");
        this.clients = clients;
        this.gzip = gzip;
    }

    long spansAcknowledged() {
        return spansAcknowledged.get();
    }

    /** Refused requests (429 or 503) answered so far. */
    long refusals() {
        return refused429.get() + refused503.get();
    }

    /**
     * Starts no request after this call (a request on the wire is still answered and counted), so
     * that {@link #send} returns soon: for a load that ends on a signal, e.g. before a kill -9.
     */
    void stop() {
        stopped = true;
    }

    /** Sends every request of {@code corpus}; see {@link #send(Iterable, long, String, PrintStream, Supplier)}. */
    Result send(SpanCorpus corpus, String label, PrintStream progress, Supplier<String> status)
            throws InterruptedException {
        return send(corpus.rawRequests(), corpus.spanCount(), label, progress, status);
    }

    /**
     * Sends every request of {@code requests} (until {@link #stop()}) and returns once each is
     * answered or given up. Prints a progress line every 10% of {@code totalSpans} (or every 10 s;
     * only that when {@code totalSpans} is 0, unknown), with {@code status} appended (e.g. server CPU).
     */
    Result send(Iterable<SpanCorpus.RawRequest> requests, long totalSpans, String label, PrintStream progress,
                Supplier<String> status) throws InterruptedException {
        BlockingQueue<SpanCorpus.RawRequest> queue = new ArrayBlockingQueue<>(READ_AHEAD_REQUESTS);
        SpanCorpus.RawRequest end = new SpanCorpus.RawRequest(new byte[0], 0);
        AtomicLong spansRead = new AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                for (SpanCorpus.RawRequest request : requests) {
                    if (stopped) {
                        break;
                    }
                    queue.put(request);
                    spansRead.addAndGet(request.spans());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                error("reading the corpus: " + e);
            } finally {
                for (int i = 0; i < clients; i++) {
                    try {
                        queue.put(end);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }, "bench-corpus-reader");
        reader.setDaemon(true);
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        AtomicLong lastAnswer = new AtomicLong(started);
        reader.start();
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> runClient(queue, end, lastAnswer), "bench-otlp-client-" + i);
            client.setDaemon(true);
            threads.add(client);
            client.start();
        }
        long total = totalSpans;
        long nextPercent = 10;
        long lastPrint = System.nanoTime();
        for (Thread client : threads) {
            while (client.isAlive()) {
                client.join(250);
                long done = spansAcknowledged.get() + spansRejected.get();
                long percent = total == 0 ? 0 : done * 100 / total;
                if ((total > 0 && percent >= nextPercent) || System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    progress.printf(Locale.ROOT, "  %s load: %s%,d spans acknowledged in %.1f s (%,.0f spans/s)%s%n",
                            label, total == 0 ? "" : String.format(Locale.ROOT, "%3d%%  of %,d: ", percent, total), done,
                            seconds, done / Math.max(seconds, 1e-9), status.get());
                    while (nextPercent <= percent) {
                        nextPercent += 10;
                    }
                    lastPrint = System.nanoTime();
                }
            }
        }
        reader.join();
        List<Long> sorted;
        synchronized (latencies) {
            sorted = new ArrayList<>(latencies);
        }
        Collections.sort(sorted);
        return new Result(spansRead.get(), spansAcknowledged.get(), spansRejected.get(), requestsAcknowledged.get(),
                refused429.get(), refused503.get(), Map.copyOf(errors), (lastAnswer.get() - started) / 1e9,
                percentile(sorted, 0.50), percentile(sorted, 0.99), bodyBytes.get());
    }

    private void runClient(BlockingQueue<SpanCorpus.RawRequest> queue, SpanCorpus.RawRequest end, AtomicLong lastAnswer) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try {
            while (true) {
                SpanCorpus.RawRequest request = queue.take();
                if (request == end) {
                    return;
                }
                if (stopped) {
                    continue; // drain the queue up to the end marker, sending nothing
                }
                export(http, request);
                lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void export(HttpClient http, SpanCorpus.RawRequest request) throws InterruptedException {
        byte[] body = gzip ? gzip(request.body()) : request.body();
        HttpRequest.Builder post = HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (gzip) {
            post.header("Content-Encoding", "gzip");
        }
        HttpRequest httpRequest = post.build();
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            long sent = System.nanoTime();
            HttpResponse<byte[]> response;
            try {
                response = http.send(httpRequest, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                error(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                return;
            }
            int status = response.statusCode();
            if (status == 200) {
                latencies.add(System.nanoTime() - sent);
                long rejected = rejectedSpans(response.body());
                spansRejected.addAndGet(rejected);
                spansAcknowledged.addAndGet(request.spans() - rejected);
                requestsAcknowledged.incrementAndGet();
                bodyBytes.addAndGet(body.length);
                return;
            }
            if (status == 429 || status == 503) {
                (status == 429 ? refused429 : refused503).incrementAndGet();
                if (stopped) {
                    return;
                }
                Thread.sleep(retryAfter(response.headers().firstValue("Retry-After").orElse(null)).toMillis());
                continue;
            }
            error("HTTP " + status);
            return;
        }
        error("refused " + MAX_ATTEMPTS + " times in a row (given up)");
    }

    private void error(String kind) {
        errors.merge(kind.length() > 200 ? kind.substring(0, 200) : kind, 1L, Long::sum);
    }

    static long rejectedSpans(byte[] body) {
        if (body == null || body.length == 0) {
            return 0;
        }
        try {
            ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(body);
            return response.hasPartialSuccess() ? response.getPartialSuccess().getRejectedSpans() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Retry-After in seconds (the only form Contrail sends); anything else means the default. */
    static Duration retryAfter(String header) {
        if (header != null) {
            try {
                long seconds = Long.parseLong(header.trim());
                return Duration.ofSeconds(Math.max(0, Math.min(seconds, 60)));
            } catch (NumberFormatException e) {
                // an HTTP date or garbage: the default
            }
        }
        return DEFAULT_RETRY_AFTER;
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 8192)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
