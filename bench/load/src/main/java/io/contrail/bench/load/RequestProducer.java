package io.contrail.bench.load;

import io.contrail.workload.Workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * The one thread that generates the workload (a {@link Workload} is single-threaded) and encodes
 * it into {@link PreparedRequest}s for the clients, until the run's span total is reached or it is
 * stopped. Counts the time it spends generating and encoding (not waiting for room), so the
 * report can show generation was faster than the server.
 *
 * <p>Gzip sizes: when the run sends gzip every body is gzipped; otherwise the requests generated
 * before timing starts are gzipped only to be measured, so every run reports how large its
 * requests would be on the wire with gzip without spending CPU on it during the run.
 */
final class RequestProducer implements Runnable {

    private final Workload workload;
    private final RequestQueue queue;
    private final long totalSpans;
    private final int tracesPerRequest;
    private final boolean gzip;

    private volatile boolean timingStarted;
    private volatile boolean stopped;
    private volatile Throwable failure;
    // Written by the producer thread only; read by others as progress figures.
    private volatile long spansGenerated;
    private volatile long requestsGenerated;
    private volatile long otlpBytes;
    private volatile long workingNanos;
    private volatile long spansGeneratedBeforeTiming;
    private volatile long workingNanosBeforeTiming;
    private long gzipMeasuredSpans;
    private long gzipMeasuredBytes;

    RequestProducer(LoadOptions options, RequestQueue queue, long startTimeUnixNano) {
        this.workload = Workload.builder().seed(options.seed()).startTimeUnixNano(startTimeUnixNano)
                .tracesPerSecond(options.simulatedTracesPerSecond()).build();
        this.queue = queue;
        this.totalSpans = options.totalSpans();
        this.tracesPerRequest = options.tracesPerRequest();
        this.gzip = options.gzip();
    }

    @Override
    public void run() {
        try {
            while (!stopped && spansGenerated < totalSpans) {
                long start = System.nanoTime();
                byte[] otlp = workload.nextRequest(tracesPerRequest).toByteArray();
                int spans = (int) (workload.spansGenerated() - spansGenerated);
                int gzipBytes = PreparedRequest.NOT_MEASURED;
                byte[] body = otlp;
                if (gzip) {
                    body = gzip(otlp);
                    gzipBytes = body.length;
                } else if (!timingStarted) {
                    gzipBytes = gzip(otlp).length;
                }
                if (gzipBytes != PreparedRequest.NOT_MEASURED) {
                    synchronized (this) {
                        gzipMeasuredSpans += spans;
                        gzipMeasuredBytes += gzipBytes;
                    }
                }
                workingNanos += System.nanoTime() - start;
                spansGenerated = workload.spansGenerated();
                requestsGenerated++;
                otlpBytes += otlp.length;
                queue.put(new PreparedRequest(body, spans, otlp.length, gzipBytes, gzip));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            queue.close();
        }
    }

    /** Timing starts now: from here on, gzip only what is sent gzipped. */
    void timingStarts() {
        spansGeneratedBeforeTiming = spansGenerated;
        workingNanosBeforeTiming = workingNanos;
        timingStarted = true;
    }

    void stop() {
        stopped = true;
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

    /** What generation cost, for the report. */
    record Stats(long spans, long requests, long otlpBytes, double workingSeconds, long spansBeforeTiming,
                 double workingSecondsBeforeTiming, long gzipMeasuredSpans, long gzipMeasuredBytes, String failure) {

        /** Spans generated and encoded per second of the producer thread's working time. */
        double spansPerSecond() {
            return workingSeconds > 0 ? spans / workingSeconds : 0;
        }

        double otlpBytesPerSpan() {
            return spans > 0 ? (double) otlpBytes / spans : 0;
        }

        double gzipBytesPerSpan() {
            return gzipMeasuredSpans > 0 ? (double) gzipMeasuredBytes / gzipMeasuredSpans : 0;
        }
    }

    synchronized Stats stats() {
        return new Stats(spansGenerated, requestsGenerated, otlpBytes, workingNanos / 1e9, spansGeneratedBeforeTiming,
                workingNanosBeforeTiming / 1e9, gzipMeasuredSpans, gzipMeasuredBytes,
                failure == null ? null : failure.toString());
    }
}
