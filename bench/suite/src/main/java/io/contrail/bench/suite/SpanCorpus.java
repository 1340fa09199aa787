package io.contrail.bench.suite;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The spans every peer receives: the seeded shop workload, generated once into a file of
 * length-delimited OTLP {@code ExportTraceServiceRequest}s, plus probes — values known to exist
 * in it (a trace ID, a user ID, a time window …) that parameterize the query suite.
 *
 * <p>A peer too slow to take the whole corpus loads a {@link #prefix}: its first whole requests.
 * The probes are picked from the middle of the prefix every peer holds ({@code probeWithinSpans}
 * of {@link #generate(Path, long, long, long, PrintStream)}), so every peer is asked about the
 * same trace, user and hour, and holds them.
 *
 * <p>The file holds each request as a varint length and the request's bytes: as OTLP protobuf
 * ({@link Storage#RAW}), or gzip'd ({@link Storage#GZIPPED}, about an eighth of the size, for a
 * corpus the disk could not hold raw). Either way {@link #requests()} and {@link #rawRequests()}
 * give the OTLP protobuf request; from a gzip'd file each is decompressed as it is read, on the
 * reading thread.
 */
public final class SpanCorpus {

    public static final int TRACES_PER_REQUEST = 20;
    /** Simulated traffic rate: 1M spans ≈ 70k traces ≈ 4 hours at this rate. */
    public static final double TRACES_PER_SECOND = 5.0;
    public static final long START_TIME_UNIX_NANO = 1_764_000_000_000_000_000L; // 2025-11-24T16:00:00Z

    /** Values that exist in the corpus, for parameterizing queries. Times are Unix nanoseconds. */
    public record Probes(String traceId, String userId, String service, String operation,
                         long windowStartUnixNano, long windowEndUnixNano, String exceptionType, String route) {
    }

    /** One request as it goes on the wire (OTLP protobuf, uncompressed), with the number of spans in it. */
    public record RawRequest(byte[] body, int spans) {
    }

    /** How the file holds each request. */
    public enum Storage {
        /** The OTLP protobuf bytes, as sent. */
        RAW,
        /** The OTLP protobuf bytes gzip'd, as an exporter with gzip would send them; decompressed when read. */
        GZIPPED
    }

    private static final int FILE_BUFFER_BYTES = 1 << 20;
    private static final int GUNZIP_BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final Storage storage;
    private final long spans;
    private final long requests;
    private final long otlpBytes;
    private final long gzippedOtlpBytes;
    private final Probes probes;
    /** Spans from the start of the corpus up to the end of the request in which the last probe value was found. */
    private final long probesFoundAtSpans;
    /** Per request, in order: its spans, its size as OTLP protobuf, its size gzipped. */
    private final int[] spansPerRequest;
    private final int[] otlpBytesPerRequest;
    private final int[] gzippedBytesPerRequest;

    private SpanCorpus(Path file, Storage storage, long spans, long requests, long otlpBytes, long gzippedOtlpBytes,
                       Probes probes, long probesFoundAtSpans, int[] spansPerRequest, int[] otlpBytesPerRequest,
                       int[] gzippedBytesPerRequest) {
        this.file = file;
        this.storage = storage;
        this.spans = spans;
        this.requests = requests;
        this.otlpBytes = otlpBytes;
        this.gzippedOtlpBytes = gzippedOtlpBytes;
        this.probes = probes;
        this.probesFoundAtSpans = probesFoundAtSpans;
        this.spansPerRequest = spansPerRequest;
        this.otlpBytesPerRequest = otlpBytesPerRequest;
        this.gzippedBytesPerRequest = gzippedBytesPerRequest;
    }

    /** Generates at least {@code targetSpans} spans (whole traces) into {@code dir}, raw; probes from its middle. */
    public static SpanCorpus generate(Path dir, long targetSpans, long seed, PrintStream progress) throws IOException {
        return generate(dir, targetSpans, targetSpans, seed, Storage.RAW, progress);
    }

    /** As {@link #generate(Path, long, long, long, Storage, PrintStream)}, stored raw. */
    public static SpanCorpus generate(Path dir, long targetSpans, long probeWithinSpans, long seed,
                                      PrintStream progress) throws IOException {
        return generate(dir, targetSpans, probeWithinSpans, seed, Storage.RAW, progress);
    }

    /**
     * Generates at least {@code targetSpans} spans (whole traces) into {@code dir}, each request
     * stored as {@code storage} says, with probes from the middle of its first {@code probeWithinSpans}
     * spans (of all of them when that is more), so that {@code prefix(probeWithinSpans)} holds them
     * too ({@link #holdsProbes()} checks it). The same seed gives the same requests whatever the storage.
     */
    public static SpanCorpus generate(Path dir, long targetSpans, long probeWithinSpans, long seed, Storage storage,
                                      PrintStream progress) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(storage == Storage.GZIPPED ? "corpus.otlp-gzip" : "corpus.otlp");
        Workload workload = Workload.builder().seed(seed).startTimeUnixNano(START_TIME_UNIX_NANO)
                .tracesPerSecond(TRACES_PER_SECOND).build();
        long requests = 0;
        long otlpBytes = 0;
        long gzipped = 0;
        ProbeFinder finder = new ProbeFinder(Math.min(targetSpans, probeWithinSpans));
        int[] spansPerRequest = new int[1024];
        int[] otlpBytesPerRequest = new int[1024];
        int[] gzippedBytesPerRequest = new int[1024];
        long nextReport = targetSpans / 10;
        try (OutputStream fileOut = Files.newOutputStream(file)) {
            CodedOutputStream out = CodedOutputStream.newInstance(fileOut, FILE_BUFFER_BYTES);
            while (workload.spansGenerated() < targetSpans) {
                long spansBefore = workload.spansGenerated();
                ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
                byte[] bytes = request.toByteArray();
                // Gzip'd either way: its size is the corpus's bytes-per-span figure as an exporter sends it.
                byte[] gzippedBody = gzip(bytes);
                byte[] stored = storage == Storage.GZIPPED ? gzippedBody : bytes;
                out.writeUInt32NoTag(stored.length);
                out.writeRawBytes(stored);
                otlpBytes += bytes.length;
                gzipped += gzippedBody.length;
                if (requests == spansPerRequest.length) {
                    spansPerRequest = Arrays.copyOf(spansPerRequest, spansPerRequest.length * 2);
                    otlpBytesPerRequest = Arrays.copyOf(otlpBytesPerRequest, otlpBytesPerRequest.length * 2);
                    gzippedBytesPerRequest = Arrays.copyOf(gzippedBytesPerRequest, gzippedBytesPerRequest.length * 2);
                }
                spansPerRequest[(int) requests] = (int) (workload.spansGenerated() - spansBefore);
                otlpBytesPerRequest[(int) requests] = bytes.length;
                gzippedBytesPerRequest[(int) requests] = gzippedBody.length;
                requests++;
                finder.observe(request, workload.spansGenerated());
                if (workload.spansGenerated() >= nextReport) {
                    progress.printf("  corpus: %,d of %,d spans%n", workload.spansGenerated(), targetSpans);
                    nextReport += targetSpans / 10;
                }
            }
            out.flush();
        }
        int count = (int) requests;
        return new SpanCorpus(file, storage, workload.spansGenerated(), requests, otlpBytes, gzipped, finder.probes(),
                finder.foundAtSpans(), Arrays.copyOf(spansPerRequest, count), Arrays.copyOf(otlpBytesPerRequest, count),
                Arrays.copyOf(gzippedBytesPerRequest, count));
    }

    /**
     * The first whole requests of this corpus that hold at least {@code atLeastSpans} spans (this
     * corpus when it holds no more): the same file, read only that far, with the same probes.
     */
    public SpanCorpus prefix(long atLeastSpans) {
        if (atLeastSpans <= 0) {
            throw new IllegalArgumentException("a prefix needs at least one span: " + atLeastSpans);
        }
        if (atLeastSpans >= spans) {
            return this;
        }
        int count = 0;
        long prefixSpans = 0;
        long prefixBytes = 0;
        long prefixGzipped = 0;
        while (prefixSpans < atLeastSpans) {
            prefixSpans += spansPerRequest[count];
            prefixBytes += otlpBytesPerRequest[count];
            prefixGzipped += gzippedBytesPerRequest[count];
            count++;
        }
        return new SpanCorpus(file, storage, prefixSpans, count, prefixBytes, prefixGzipped, probes, probesFoundAtSpans,
                Arrays.copyOf(spansPerRequest, count), Arrays.copyOf(otlpBytesPerRequest, count),
                Arrays.copyOf(gzippedBytesPerRequest, count));
    }

    /** Whether every probe value was found within these spans (always true of a whole corpus). */
    public boolean holdsProbes() {
        return probesFoundAtSpans <= spans;
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(bytes.length / 4);
        try (GZIPOutputStream gzip = new GZIPOutputStream(buffer)) {
            gzip.write(bytes);
        }
        return buffer.toByteArray();
    }

    public long spanCount() {
        return spans;
    }

    public long requestCount() {
        return requests;
    }

    /** Total size of the requests as OTLP protobuf. */
    public long otlpBytes() {
        return otlpBytes;
    }

    /** Total size of the requests, each gzipped as an exporter would send it. */
    public long gzippedOtlpBytes() {
        return gzippedOtlpBytes;
    }

    public Probes probes() {
        return probes;
    }

    /** How the file holds each request; a prefix shares its corpus's file and storage. */
    public Storage storage() {
        return storage;
    }

    /** The size of the corpus file: all of it, also for a prefix (which reads only its first requests). */
    public long fileBytes() throws IOException {
        return Files.size(file);
    }

    /** The requests in order, read from disk as they are iterated (one pass per call). */
    public Iterable<ExportTraceServiceRequest> requests() {
        return () -> new Iterator<>() {
            private final Iterator<RawRequest> raw = rawRequests().iterator();

            @Override
            public boolean hasNext() {
                return raw.hasNext();
            }

            @Override
            public ExportTraceServiceRequest next() {
                try {
                    return ExportTraceServiceRequest.parseFrom(raw.next().body());
                } catch (InvalidProtocolBufferException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /**
     * The requests in order as their OTLP protobuf bytes, without parsing them: what a load driver
     * sends, at no decoding cost to the sending side beyond decompressing a gzip'd file's request
     * (one pass per call).
     */
    public Iterable<RawRequest> rawRequests() {
        return () -> new Iterator<>() {
            private final InputStream in = open();
            private int index;
            private RawRequest next = read();

            private InputStream open() {
                try {
                    return new BufferedInputStream(Files.newInputStream(file), FILE_BUFFER_BYTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            private RawRequest read() {
                try {
                    int first = index == requests ? -1 : in.read();
                    if (first < 0) {
                        in.close();
                        return null;
                    }
                    int length = CodedInputStream.readRawVarint32(first, in);
                    byte[] stored = in.readNBytes(length);
                    if (stored.length != length) {
                        throw new IOException(file + " ends inside request " + index);
                    }
                    byte[] body = storage == Storage.GZIPPED ? gunzip(stored, otlpBytesPerRequest[index]) : stored;
                    if (body == null || body.length != otlpBytesPerRequest[index]) {
                        throw new IOException(file + ": request " + index + " is not the "
                                + otlpBytesPerRequest[index] + " bytes of OTLP protobuf that were written");
                    }
                    return new RawRequest(body, spansPerRequest[index++]);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public RawRequest next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                RawRequest current = next;
                next = read();
                return current;
            }
        };
    }

    /** The {@code otlpBytes} bytes gzip'd in {@code gzipped}, or null when it holds another number of bytes. */
    private static byte[] gunzip(byte[] gzipped, int otlpBytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped), GUNZIP_BUFFER_BYTES)) {
            byte[] body = new byte[otlpBytes];
            return in.readNBytes(body, 0, otlpBytes) == otlpBytes && in.read() < 0 ? body : null;
        }
    }

    /** Picks probe values from the middle of the spans every peer holds, so they lie inside every peer's data. */
    private static final class ProbeFinder {
        private final long middle;
        private final long end;
        private long foundAtSpans = Long.MAX_VALUE;
        /**
         * The first exception type before the middle: the probe when none appears between the middle
         * and the end of the spans every peer holds, which a small share can miss (about 2% of traces fail).
         */
        private String exceptionTypeBeforeMiddle;
        private String traceId;
        private String userId;
        private String service;
        private String operation;
        private long windowStart;
        private String exceptionType;
        private String route;

        ProbeFinder(long spansEveryPeerHolds) {
            this.middle = spansEveryPeerHolds / 2;
            this.end = spansEveryPeerHolds;
        }

        private boolean complete() {
            return traceId != null && userId != null && exceptionType != null && route != null;
        }

        long foundAtSpans() {
            return foundAtSpans;
        }

        void observe(ExportTraceServiceRequest request, long spansSoFar) {
            if (complete()) {
                return;
            }
            if (spansSoFar < middle) {
                if (exceptionTypeBeforeMiddle == null) {
                    exceptionTypeBeforeMiddle = exceptionType(request);
                }
                return;
            }
            observeSpans(request);
            if (exceptionType == null && spansSoFar >= end) {
                exceptionType = exceptionTypeBeforeMiddle;
            }
            if (complete()) {
                foundAtSpans = spansSoFar;
            }
        }

        /** The first exception.type of an exception event in {@code request}, or null. */
        private static String exceptionType(ExportTraceServiceRequest request) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        for (Span.Event event : span.getEventsList()) {
                            for (KeyValue kv : event.getAttributesList()) {
                                if (kv.getKey().equals("exception.type")) {
                                    return kv.getValue().getStringValue();
                                }
                            }
                        }
                    }
                }
            }
            return null;
        }

        private void observeSpans(ExportTraceServiceRequest request) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                String serviceName = null;
                for (KeyValue kv : rs.getResource().getAttributesList()) {
                    if (kv.getKey().equals("service.name")) {
                        serviceName = kv.getValue().getStringValue();
                    }
                }
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        if (traceId == null && span.getParentSpanId().isEmpty() && "frontend".equals(serviceName)) {
                            traceId = HexFormat.of().formatHex(span.getTraceId().toByteArray());
                            service = serviceName;
                            operation = span.getName();
                            long hour = 3_600_000_000_000L;
                            windowStart = Math.floorDiv(span.getStartTimeUnixNano(), hour) * hour;
                        }
                        for (KeyValue kv : span.getAttributesList()) {
                            if (userId == null && kv.getKey().equals("user.id")) {
                                userId = kv.getValue().getStringValue();
                            } else if (route == null && kv.getKey().equals("http.route")) {
                                route = kv.getValue().getStringValue();
                            }
                        }
                        for (Span.Event event : span.getEventsList()) {
                            for (KeyValue kv : event.getAttributesList()) {
                                if (exceptionType == null && kv.getKey().equals("exception.type")) {
                                    exceptionType = kv.getValue().getStringValue();
                                }
                            }
                        }
                    }
                }
            }
        }

        Probes probes() {
            if (!complete()) {
                throw new IllegalStateException("corpus too small to find probes (trace " + traceId + ", user "
                        + userId + ", exception " + exceptionType + ", route " + route + ")");
            }
            return new Probes(traceId, userId, service, operation, windowStart, windowStart + 3_600_000_000_000L,
                    exceptionType, route);
        }
    }
}
