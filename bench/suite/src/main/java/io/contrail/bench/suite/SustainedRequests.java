package io.contrail.bench.suite;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The corpus sent again and again for a time-bounded load ({@code bench/run --sustained SECONDS}):
 * pass 0 is the corpus as generated, every later pass the same requests with each trace ID (of the
 * spans and of their links) XOR'd with a mask of that pass, so every span sent is a new span — a
 * store that keeps one row per (trace, span) is not handed duplicates — at the cost of copying the
 * body and rewriting 8 bytes per span on the sending side, not of decoding and encoding it again.
 * Parent span IDs stay as they are: they refer within the trace, which keeps its shape.
 *
 * <p>Ends at the deadline, checked before each request. Not thread-safe: one reader iterates it.
 */
final class SustainedRequests implements Iterable<SpanCorpus.RawRequest> {

    /** Bytes of a trace ID rewritten per pass: enough to make it unique, fewer to write. */
    static final int REWRITTEN_TRACE_ID_BYTES = 8;
    private static final int TRACE_ID_BYTES = 16;

    private final SpanCorpus corpus;
    private final long deadlineNanos;
    private long passesStarted;
    private long spansOffered;

    /** @param deadlineNanos {@link System#nanoTime()} after which no request is offered */
    SustainedRequests(SpanCorpus corpus, long deadlineNanos) {
        this.corpus = corpus;
        this.deadlineNanos = deadlineNanos;
    }

    /** Passes begun over the corpus (the last one may have been cut by the deadline). */
    long passes() {
        return passesStarted;
    }

    /** Spans in the requests offered so far. */
    long spansOffered() {
        return spansOffered;
    }

    @Override
    public Iterator<SpanCorpus.RawRequest> iterator() {
        return new Iterator<>() {
            private Iterator<SpanCorpus.RawRequest> pass = corpus.rawRequests().iterator();
            private long passNumber;

            {
                passesStarted = 1;
            }

            @Override
            public boolean hasNext() {
                if (System.nanoTime() >= deadlineNanos) {
                    return false;
                }
                if (!pass.hasNext()) {
                    pass = corpus.rawRequests().iterator();
                    passNumber++;
                    passesStarted++;
                }
                return pass.hasNext();
            }

            @Override
            public SpanCorpus.RawRequest next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SpanCorpus.RawRequest request = pass.next();
                spansOffered += request.spans();
                return passNumber == 0 ? request
                        : new SpanCorpus.RawRequest(withTraceIdsMasked(request.body(), passNumber), request.spans());
            }
        };
    }

    /**
     * A copy of an OTLP {@code ExportTraceServiceRequest} whose span and link trace IDs have their
     * first {@value #REWRITTEN_TRACE_ID_BYTES} bytes XOR'd with a mask derived from {@code pass}
     * (pass 0 masks nothing). The same pass maps equal IDs to equal IDs, so traces stay whole.
     */
    static byte[] withTraceIdsMasked(byte[] request, long pass) {
        byte[] copy = Arrays.copyOf(request, request.length);
        if (pass == 0) {
            return copy;
        }
        byte[] mask = mask(pass);
        try {
            // ExportTraceServiceRequest.resource_spans = 1 → ResourceSpans.scope_spans = 2 → ScopeSpans.spans = 2
            forEachMessage(copy, 0, copy.length, 1, (resourceFrom, resourceTo) ->
                    forEachMessage(copy, resourceFrom, resourceTo, 2, (scopeFrom, scopeTo) ->
                            forEachMessage(copy, scopeFrom, scopeTo, 2, (spanFrom, spanTo) -> {
                                maskTraceId(copy, spanFrom, spanTo, mask); // Span.trace_id = 1
                                // Span.links = 13 → Link.trace_id = 1
                                forEachMessage(copy, spanFrom, spanTo, 13, (linkFrom, linkTo) ->
                                        maskTraceId(copy, linkFrom, linkTo, mask));
                            })));
        } catch (IOException e) {
            throw new UncheckedIOException("a corpus request is not valid OTLP protobuf", e);
        }
        return copy;
    }

    /** Eight bytes that differ from pass to pass (SplitMix64 of the pass number), never all zero. */
    static byte[] mask(long pass) {
        long z = pass * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        if (z == 0) {
            z = 1;
        }
        byte[] mask = new byte[REWRITTEN_TRACE_ID_BYTES];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (byte) (z >>> (8 * i));
        }
        return mask;
    }

    interface MessageVisitor {
        void visit(int from, int to) throws IOException;
    }

    /** Calls {@code visitor} with the bounds of every length-delimited field {@code field} in bytes [from, to). */
    static void forEachMessage(byte[] bytes, int from, int to, int field, MessageVisitor visitor)
            throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes, from, to - from);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) == field
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int length = in.readRawVarint32();
                int start = from + in.getTotalBytesRead();
                visitor.visit(start, start + length);
                in.skipRawBytes(length);
            } else {
                in.skipField(tag);
            }
        }
    }

    /** XORs the first bytes of field 1 (a 16-byte trace ID) of the message in [from, to) with {@code mask}. */
    private static void maskTraceId(byte[] bytes, int from, int to, byte[] mask) throws IOException {
        forEachMessage(bytes, from, to, 1, (idFrom, idTo) -> {
            if (idTo - idFrom == TRACE_ID_BYTES) {
                for (int i = 0; i < mask.length; i++) {
                    bytes[idFrom + i] ^= mask[i];
                }
            }
        });
    }
}
