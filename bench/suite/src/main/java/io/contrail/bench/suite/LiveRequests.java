package io.contrail.bench.suite;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.contrail.bench.load.SendSchedule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Iterator;

/**
 * The corpus sent over and over as if it were happening now, for the soak run: the requests of
 * {@link SustainedRequests} (new trace IDs in every pass) with every span's times moved so that
 * the request's first span starts at the moment the request is handed out, optionally paced to a
 * fixed rate by a {@link SendSchedule}. Queries over "the last five minutes" then read a window of
 * bounded size however long the load runs, instead of the corpus's one day in 2025 growing pass
 * after pass; spans land in the current hour's partition, as live traffic does.
 *
 * <p>Remembers the trace ID of the first span of the request it handed out last, for a query of a
 * recently sent trace. Not thread-safe: one reader iterates it ({@link OtlpSender}'s); the recent
 * trace ID may be read from any thread.
 */
final class LiveRequests implements Iterable<SpanCorpus.RawRequest> {

    private static final int TRACE_ID_BYTES = 16;
    // OTLP field numbers: ExportTraceServiceRequest.resource_spans, ResourceSpans.scope_spans, ScopeSpans.spans,
    // Span.trace_id, start_time_unix_nano, end_time_unix_nano, events; Event.time_unix_nano.
    private static final int RESOURCE_SPANS = 1;
    private static final int SCOPE_SPANS = 2;
    private static final int SPANS = 2;
    private static final int SPAN_TRACE_ID = 1;
    private static final int SPAN_START_TIME = 7;
    private static final int SPAN_END_TIME = 8;
    private static final int SPAN_EVENTS = 11;
    private static final int EVENT_TIME = 1;

    private final SustainedRequests requests;
    private final SendSchedule schedule;
    private volatile String recentTraceId;

    /** @param schedule the fixed rate to hand requests out at, or null for as fast as they are taken */
    LiveRequests(SustainedRequests requests, SendSchedule schedule) {
        this.requests = requests;
        this.schedule = schedule;
    }

    /** The trace ID (hex) of a span in the request handed out last; null before the first. */
    String recentTraceId() {
        return recentTraceId;
    }

    @Override
    public Iterator<SpanCorpus.RawRequest> iterator() {
        Iterator<SpanCorpus.RawRequest> passes = requests.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return passes.hasNext();
            }

            @Override
            public SpanCorpus.RawRequest next() {
                SpanCorpus.RawRequest request = passes.next();
                if (schedule != null) {
                    try {
                        SendSchedule.sleepUntil(schedule.dueNanos(request.spans()));
                    } catch (InterruptedException e) {
                        // The sender's reader stops at its next blocking step, which sees the flag.
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = request.body().clone();
                byte[] traceId = movedToNow(body, System.currentTimeMillis() * 1_000_000L);
                if (traceId != null) {
                    recentTraceId = HexFormat.of().formatHex(traceId);
                }
                return new SpanCorpus.RawRequest(body, request.spans());
            }
        };
    }

    /**
     * Moves, in place, the start, end and event times of every span of the OTLP
     * {@code ExportTraceServiceRequest} in {@code request} by one amount: the one that makes its
     * first span start at {@code nowUnixNano}. Returns that span's trace ID, or null when the request
     * holds no span.
     */
    static byte[] movedToNow(byte[] request, long nowUnixNano) {
        TimeShift shift = new TimeShift(nowUnixNano);
        try {
            SustainedRequests.forEachMessage(request, 0, request.length, RESOURCE_SPANS, (resourceFrom, resourceTo) ->
                    SustainedRequests.forEachMessage(request, resourceFrom, resourceTo, SCOPE_SPANS, (scopeFrom, scopeTo) ->
                            SustainedRequests.forEachMessage(request, scopeFrom, scopeTo, SPANS,
                                    (spanFrom, spanTo) -> shift.span(request, spanFrom, spanTo))));
        } catch (IOException e) {
            throw new UncheckedIOException("a corpus request is not valid OTLP protobuf", e);
        }
        return shift.firstTraceId;
    }

    /** The shift of one request, fixed by the first time it meets. */
    private static final class TimeShift {
        private final long nowUnixNano;
        private boolean fixed;
        private long deltaNanos;
        private byte[] firstTraceId;

        TimeShift(long nowUnixNano) {
            this.nowUnixNano = nowUnixNano;
        }

        void span(byte[] bytes, int from, int to) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(bytes, from, to - from);
            int tag;
            while ((tag = in.readTag()) != 0) {
                int field = WireFormat.getTagFieldNumber(tag);
                int wireType = WireFormat.getTagWireType(tag);
                if ((field == SPAN_START_TIME || field == SPAN_END_TIME) && wireType == WireFormat.WIRETYPE_FIXED64) {
                    move(bytes, from + in.getTotalBytesRead(), in);
                } else if (field == SPAN_TRACE_ID && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED
                        && firstTraceId == null) {
                    byte[] id = in.readByteArray();
                    if (id.length == TRACE_ID_BYTES) {
                        firstTraceId = id;
                    }
                } else if (field == SPAN_EVENTS && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int length = in.readRawVarint32();
                    int start = from + in.getTotalBytesRead();
                    event(bytes, start, start + length);
                    in.skipRawBytes(length);
                } else {
                    in.skipField(tag);
                }
            }
        }

        private void event(byte[] bytes, int from, int to) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(bytes, from, to - from);
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == EVENT_TIME
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_FIXED64) {
                    move(bytes, from + in.getTotalBytesRead(), in);
                } else {
                    in.skipField(tag);
                }
            }
        }

        /** Adds the shift to the little-endian fixed64 at {@code position}, which {@code in} is about to read. */
        private void move(byte[] bytes, int position, CodedInputStream in) throws IOException {
            long time = in.readFixed64();
            if (!fixed) {
                deltaNanos = nowUnixNano - time;
                fixed = true;
            }
            long moved = time + deltaNanos;
            for (int i = 0; i < Long.BYTES; i++) {
                bytes[position + i] = (byte) (moved >>> (8 * i));
            }
        }
    }
}
