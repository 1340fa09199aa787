package io.contrail.bench.load;

import io.contrail.workload.Workload;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What one load run does, parsed from the command line; every option has a named default.
 * A run ends after {@link #totalSpans()} spans, or after {@link #durationSeconds()} when that is
 * set instead.
 *
 * @param baseUrl                   the server, e.g. {@code http://127.0.0.1:4318}; with several, the first
 * @param urls                      every server the clients send to (client i sends to {@code urls[i % n]})
 * @param clients                   concurrent HTTP clients, each one connection and one thread
 * @param totalSpans                spans to send (whole traces, so the last request may go a little past it)
 * @param durationSeconds           send for this long instead, when positive
 * @param spansPerSecond            fixed send rate over all clients; 0 sends as fast as acknowledged
 * @param tracesPerRequest          whole traces per OTLP request
 * @param gzip                      send bodies with {@code Content-Encoding: gzip}
 * @param seed                      workload seed; the same seed sends the same requests
 * @param simulatedTracesPerSecond  how far apart the generated traces start in span time
 * @param bufferBytes               most request bodies held in memory at once
 * @param serverPid                 the server's process id, for CPU and memory from /proc; 0 for none
 * @param jsonOut                   where to write the report as JSON, or null
 */
record LoadOptions(URI baseUrl, java.util.List<URI> urls, int clients, long totalSpans, long durationSeconds, double spansPerSecond,
                   int tracesPerRequest, boolean gzip, long seed, double simulatedTracesPerSecond,
                   long bufferBytes, long serverPid, Path jsonOut) {

    static final int DEFAULT_CLIENTS = 4;
    static final long DEFAULT_TOTAL_SPANS = 1_000_000;
    static final int DEFAULT_TRACES_PER_REQUEST = 20;
    /** About the rate the server acknowledges, so span timestamps look like live traffic (now, a few hour partitions at most). */
    static final double DEFAULT_SIMULATED_TRACES_PER_SECOND = 2_000;
    static final long DEFAULT_BUFFER_MB = 1_024;
    /** Each client is a thread and a connection. */
    static final int MAX_CLIENTS = 1_000;
    /** A trace is about 8.5 KB of protobuf, so this is already past the server's default 64 MiB body limit. */
    static final int MAX_TRACES_PER_REQUEST = 10_000;

    static final String USAGE = """
            usage: LoadDriver --url URL [options]

            Sends the seeded shop workload (workload) to a Contrail server as OTLP/HTTP protobuf on
            /v1/traces and reports acknowledged spans/s, wire MB/s, acknowledgement latency, refusals
            (429/503, retried after Retry-After), the server's /health counters and, with --server-pid,
            the server's CPU and resident memory. Requests are generated before timing starts (up to
            --buffer-mb of bodies; a producer thread refills the buffer during the run beyond that).

              --url URL[,URL…]             server base URL, e.g. http://127.0.0.1:4318 (required); with several
                                           (nodes sharing a table), client i sends to the (i mod n)-th, and
                                           /health is read from the first only
              --clients N                  concurrent HTTP clients, one connection each (default 4)
              --spans N                    total spans to send (default 1_000_000)
              --duration SECONDS           send for this long instead of a span count
              --rate SPANS_PER_SEC         fixed send rate over all clients (default: as fast as acknowledged)
              --traces-per-request N       whole traces per request (default 20)
              --gzip                       gzip request bodies (Content-Encoding: gzip)
              --seed N                     workload seed (default 42); the same seed sends the same requests
              --simulated-traces-per-second N
                                           span-time spacing of generated traces, starting now (default 2000)
              --buffer-mb MB               most request bodies held in memory (default 1024)
              --server-pid PID             sample /proc/PID every 500 ms: CPU and resident memory
              --json-out FILE              also write the report as JSON
              --help                       this text
            """;

    static LoadOptions parse(String[] args) {
        URI url = null;
        java.util.List<URI> urls = new java.util.ArrayList<>();
        int clients = DEFAULT_CLIENTS;
        long spans = DEFAULT_TOTAL_SPANS;
        boolean spansGiven = false;
        long duration = 0;
        double rate = 0;
        int tracesPerRequest = DEFAULT_TRACES_PER_REQUEST;
        boolean gzip = false;
        long seed = Workload.DEFAULT_SEED;
        double simulated = DEFAULT_SIMULATED_TRACES_PER_SECOND;
        long bufferMb = DEFAULT_BUFFER_MB;
        long pid = 0;
        Path jsonOut = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--url" -> {
                    urls.clear();
                    for (String one : value(args, ++i, option).split(",")) {
                        urls.add(URI.create(stripSlash(one.trim())));
                    }
                    url = urls.get(0);
                }
                case "--clients" -> clients = positiveAtMost(option, value(args, ++i, option), MAX_CLIENTS);
                case "--spans" -> {
                    spans = positive(option, value(args, ++i, option));
                    spansGiven = true;
                }
                case "--duration" -> duration = positive(option, value(args, ++i, option));
                case "--rate" -> rate = positiveDouble(option, value(args, ++i, option));
                case "--traces-per-request" ->
                        tracesPerRequest = positiveAtMost(option, value(args, ++i, option), MAX_TRACES_PER_REQUEST);
                case "--gzip" -> gzip = true;
                case "--seed" -> seed = number(option, value(args, ++i, option));
                case "--simulated-traces-per-second" -> simulated = positiveDouble(option, value(args, ++i, option));
                case "--buffer-mb" -> bufferMb = positive(option, value(args, ++i, option));
                case "--server-pid" -> pid = positive(option, value(args, ++i, option));
                case "--json-out" -> jsonOut = Path.of(value(args, ++i, option));
                default -> throw new IllegalArgumentException("unknown option '" + option + "' (see --help)");
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required, e.g. --url http://127.0.0.1:4318");
        }
        for (URI one : urls) {
            String scheme = one.getScheme() == null ? "" : one.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("--url must be an http:// or https:// URL: " + one);
            }
        }
        if (clients < urls.size()) {
            throw new IllegalArgumentException("--clients must be at least the number of --url servers (" + urls.size() + ")");
        }
        if (spansGiven && duration > 0) {
            throw new IllegalArgumentException("give either --spans or --duration, not both");
        }
        return new LoadOptions(url, java.util.List.copyOf(urls), clients, duration > 0 ? Long.MAX_VALUE : spans, duration, rate,
                tracesPerRequest, gzip, seed, simulated, bufferMb * 1024 * 1024, pid, jsonOut);
    }

    boolean timed() {
        return durationSeconds > 0;
    }

    /** One line saying what was sent, for the report's header. */
    String describe() {
        return clients + " client" + (clients == 1 ? "" : "s") + ", " + tracesPerRequest + " traces/request, "
                + (gzip ? "protobuf+gzip" : "protobuf") + ", seed " + seed + ", "
                + (spansPerSecond > 0 ? String.format(Locale.ROOT, "fixed rate %,.0f spans/s", spansPerSecond)
                        : "as fast as acknowledged")
                + (timed() ? ", for " + durationSeconds + " s" : "");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": not a whole number");
        }
    }

    private static long positive(String option, String value) {
        long n = number(option, value);
        if (n <= 0) {
            throw new IllegalArgumentException(option + " " + value + ": must be positive");
        }
        return n;
    }

    private static int positiveAtMost(String option, String value, int max) {
        long n = positive(option, value);
        if (n > max) {
            throw new IllegalArgumentException(option + " " + value + ": must be at most " + max);
        }
        return (int) n;
    }

    private static double positiveDouble(String option, String value) {
        double d;
        try {
            d = Double.parseDouble(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + value + ": not a number");
        }
        if (!(d > 0) || Double.isInfinite(d)) {
            throw new IllegalArgumentException(option + " " + value + ": must be positive");
        }
        return d;
    }
}
