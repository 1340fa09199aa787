package io.contrail.bench.suite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The queries of the soak run: one thread asks the server, every few seconds, a mix of what its
 * users ask — two SQL statements over the last five minutes (a count, a p99 per service), a trace
 * search over the same window, a trace by ID (one handed to the load a round earlier, so that it
 * has had time to be written) and the RED metrics of one service over the last fifteen minutes —
 * one after another through the HTTP API, and records each one's latency and status. Every query
 * reads a window of bounded size, so the mix costs the server as much in the last minute of a soak
 * as in its first, at a steady rate: a mix that grows with what is stored (RED with
 * {@code range=all}, as in the first soak run) would load the server more and more, and a rising
 * heap or file count could not then be told from a leak. The same mix runs while the capacity is
 * measured, so that the capacity is that of a server that is also answering it.
 */
final class SoakQueries implements AutoCloseable {

    static final Duration LOOKBACK = Duration.ofMinutes(5);
    static final Duration RED_LOOKBACK = Duration.ofMinutes(15);
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final String SERVICE = "frontend";
    static final List<String> NAMES = List.of("sql-count-5m", "sql-p99-by-service-5m", "search-5m", "trace-by-id",
            "red-15m");
    private static final DateTimeFormatter SQL_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final int ANSWER_EXCERPT_CHARS = 300;

    /**
     * One query asked.
     *
     * @param phase   the run's phase it was asked in: capacity or soak
     * @param status  the HTTP status, or 0 when no answer came (then {@code excerpt} says why)
     * @param bytes   the answer's size
     * @param excerpt the start of a non-2xx answer (or the transport error); empty otherwise
     */
    record Outcome(long epochMillis, String phase, String name, int status, double millis, long bytes, String excerpt) {

        static final String CSV_HEADER = "epoch_ms,seconds,phase,query,status,millis,bytes";

        boolean ok() {
            return status >= 200 && status < 300;
        }

        String csv(long soakStartEpochMillis) {
            return String.format(Locale.ROOT, "%d,%.1f,%s,%s,%d,%.1f,%d", epochMillis,
                    (epochMillis - soakStartEpochMillis) / 1e3, phase, name, status, millis, bytes);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final String phase;
    private final Supplier<String> recentTraceId;
    private final long intervalNanos;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Outcome> outcomes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param phase         the run's phase its outcomes are labelled with
     * @param recentTraceId a trace ID the load sent a moment ago (null before the first)
     */
    SoakQueries(URI baseUrl, String phase, Supplier<String> recentTraceId, Duration interval) {
        this.baseUrl = baseUrl;
        this.phase = phase;
        this.recentTraceId = recentTraceId;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::loop, "soak-queries-" + phase);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    synchronized List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    private void loop() {
        long next = System.nanoTime();
        String traceId = null;
        while (running) {
            Instant now = Instant.now();
            Instant from = now.minus(LOOKBACK);
            String since = "TIMESTAMP '" + SQL_TIMESTAMP.format(from) + "'";
            ask("sql-count-5m", sql("SELECT count(*) FROM spans WHERE start_time >= " + since));
            ask("sql-p99-by-service-5m", sql("SELECT service_name, quantile_cont(duration_nanos, 0.99) AS p99_nanos, "
                    + "count(*) AS spans FROM spans WHERE start_time >= " + since + " GROUP BY 1 ORDER BY 2 DESC"));
            ask("search-5m", get("/api/search?service=" + SERVICE + "&start=" + encode(from) + "&end="
                    + encode(now) + "&limit=20"));
            if (traceId != null) {
                ask("trace-by-id", get("/api/traces/" + traceId));
            }
            ask("red-15m", get("/api/metrics/red?service=" + SERVICE + "&start=" + encode(now.minus(RED_LOOKBACK))
                    + "&end=" + encode(now)));
            // Asked next round: by then the trace has been acknowledged for a whole interval.
            traceId = recentTraceId.get();
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime(); // a slow round: the next one starts at once, and the schedule restarts
            }
        }
    }

    private HttpRequest sql(String statement) {
        try {
            return HttpRequest.newBuilder(URI.create(baseUrl + "/api/sql")).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("sql", statement))))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest get(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).timeout(TIMEOUT).GET().build();
    }

    private static String encode(Instant time) {
        return URLEncoder.encode(time.truncatedTo(ChronoUnit.SECONDS).toString(), StandardCharsets.UTF_8);
    }

    private void ask(String name, HttpRequest request) {
        if (!running) {
            return;
        }
        long startedMillis = System.currentTimeMillis();
        long started = System.nanoTime();
        Outcome outcome;
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            double millis = (System.nanoTime() - started) / 1e6;
            int status = response.statusCode();
            String excerpt = status >= 200 && status < 300 ? ""
                    : excerpt(new String(response.body(), StandardCharsets.UTF_8));
            outcome = new Outcome(startedMillis, phase, name, status, millis, response.body().length, excerpt);
        } catch (IOException e) {
            outcome = new Outcome(startedMillis, phase, name, 0, (System.nanoTime() - started) / 1e6, 0, excerpt(e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        }
        synchronized (this) {
            outcomes.add(outcome);
        }
    }

    private static String excerpt(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > ANSWER_EXCERPT_CHARS ? line.substring(0, ANSWER_EXCERPT_CHARS) + "…" : line;
    }

    /** Stops after the query under way, waiting for its answer. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.MILLISECONDS.convert(TIMEOUT) + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
