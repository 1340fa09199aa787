package io.contrail.bench.load;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CountDownLatch;

/**
 * One exporter: its own {@link HttpClient} (HTTP/1.1, one connection, like an OTLP/HTTP SDK
 * exporter) on its own thread, posting one request at a time and waiting for the answer.
 *
 * <p>A 200 acknowledges the request's spans, less any the server rejected in an OTLP partial
 * success. A 429 or 503 is counted and the same request is sent again after the Retry-After the
 * server gave (OTLP specification), up to {@value #MAX_ATTEMPTS} attempts. Anything else is an
 * error: counted by kind, the request is given up. Latency is measured per acknowledged attempt,
 * from handing the request to the client to having the whole response.
 */
final class ExportClient implements Runnable {

    static final int MAX_ATTEMPTS = 100;
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    /** After a transport error, wait this long before the next request so a dead server is not hammered. */
    static final Duration ERROR_PAUSE = Duration.ofMillis(100);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI endpoint;
    private final RequestQueue queue;
    private final SendSchedule schedule;
    private final long deadlineNanos;
    private final CountDownLatch startSignal;
    private final LoadCounters counters;
    private final LatencyLog latencies = new LatencyLog();

    /**
     * @param schedule      the shared fixed rate, or null to send as fast as acknowledged
     * @param deadlineNanos stop taking requests at this System.nanoTime(); Long.MAX_VALUE for none
     */
    ExportClient(URI baseUrl, RequestQueue queue, SendSchedule schedule, long deadlineNanos,
                 CountDownLatch startSignal, LoadCounters counters) {
        this.endpoint = URI.create(baseUrl + "/v1/traces");
        this.queue = queue;
        this.schedule = schedule;
        this.deadlineNanos = deadlineNanos;
        this.startSignal = startSignal;
        this.counters = counters;
    }

    LatencyLog latencies() {
        return latencies;
    }

    @Override
    public void run() {
        try {
            startSignal.await();
            while (System.nanoTime() < deadlineNanos) {
                PreparedRequest request = queue.take();
                if (request == null) {
                    return;
                }
                if (schedule != null) {
                    long due = schedule.dueNanos(request.spans());
                    if (due >= deadlineNanos) {
                        return;
                    }
                    SendSchedule.sleepUntil(due);
                }
                export(request);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void export(PreparedRequest request) throws InterruptedException {
        HttpRequest.Builder post = HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.gzipped()) {
            post.header("Content-Encoding", "gzip");
        }
        HttpRequest httpRequest = post.build();
        for (int attempt = 1; ; attempt++) {
            long sentNanos = System.nanoTime();
            HttpResponse<byte[]> response;
            try {
                response = http.send(httpRequest, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                counters.error(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                counters.failedSpans.add(request.spans());
                Thread.sleep(ERROR_PAUSE.toMillis());
                return;
            }
            long answeredNanos = System.nanoTime();
            int status = response.statusCode();
            if (status == 200) {
                latencies.record(answeredNanos - sentNanos);
                counters.acknowledged(request.spans(), rejectedSpans(response.body()), request.body().length,
                        answeredNanos);
                return;
            }
            if (status == 429 || status == 503) {
                (status == 429 ? counters.refused429 : counters.refused503).increment();
                Duration wait = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
                if (attempt >= MAX_ATTEMPTS) {
                    counters.error("HTTP " + status + " " + MAX_ATTEMPTS + " times in a row (given up)");
                    counters.failedSpans.add(request.spans());
                    return;
                }
                if (System.nanoTime() + wait.toNanos() >= deadlineNanos) {
                    counters.abandonedSpans.add(request.spans());
                    return;
                }
                Thread.sleep(wait.toMillis());
                continue;
            }
            counters.error("HTTP " + status);
            counters.failedSpans.add(request.spans());
            return;
        }
    }

    /** Spans the server rejected inside a 200, from the OTLP ExportTraceServiceResponse. */
    static int rejectedSpans(byte[] responseBody) {
        if (responseBody == null || responseBody.length == 0) {
            return 0;
        }
        try {
            ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(responseBody);
            return response.hasPartialSuccess() ? (int) response.getPartialSuccess().getRejectedSpans() : 0;
        } catch (InvalidProtocolBufferException e) {
            return 0;
        }
    }

    /** Retry-After as delay-seconds or an HTTP-date (RFC 9110); one second when absent or unreadable. */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return DEFAULT_RETRY_AFTER;
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(header.strip()));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException notADate) {
                return DEFAULT_RETRY_AFTER;
            }
        }
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
    }
}
