package io.contrail.ingest;

import io.contrail.columnar.SpanSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ingest side's front door: every request of every transport (OTLP/HTTP, OTLP/gRPC, Zipkin) comes
 * through here once its body is whole. It takes a permit ({@link IngestPermits}), hands the body to
 * the {@link SpanReceiver} (decode, validate, durable append), and answers one {@link IngestOutcome},
 * counting refusals by {@link Refusal}, spans accepted, and spans rejected by {@link RejectionCause}. A transport only renders the
 * outcome; refusals it makes itself before the body is whole (an unsupported content type, a body too
 * slow or too large) go through {@link #refuse} so that they are counted the same way. Thread-safe.
 */
public final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);
    /** Requests decoded at once, by every receiver together. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 16;

    private final SpanReceiver receiver;
    private final IngestPermits permits;
    private final LongAdder spansAccepted = new LongAdder();
    private final Map<RejectionCause, LongAdder> spansRejected = new EnumMap<>(RejectionCause.class);
    private final LongAdder requestsAccepted = new LongAdder();
    private final Map<Refusal, LongAdder> refused = new EnumMap<>(Refusal.class);

    /**
     * Counters for {@code /health} and {@code /metrics}.
     *
     * @param requestsRefused requests refused whole, by cause (every cause present, 0 when none)
     * @param spansRejected   spans of accepted requests rejected, by cause (every cause present, 0 when none)
     */
    public record Stats(long requestsAccepted, long spansAccepted, Map<RejectionCause, Long> spansRejected,
                        Map<Refusal, Long> requestsRefused) {
        /** Every refused request, whatever the cause. */
        public long requestsRefusedTotal() {
            return requestsRefused.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Every rejected span, whatever the cause. */
        public long spansRejectedTotal() {
            return spansRejected.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** A check made before a request takes a permit; it refuses by throwing (e.g. a tenant over its rate). */
    @FunctionalInterface
    public interface Gate {
        Gate OPEN = () -> { };

        void check() throws TenantLimitedSink.LimitExceededException;
    }

    private final Gate gate;

    public Admission(SpanSink sink, long maxBodyBytes, IngestPermits permits) {
        this(sink, maxBodyBytes, permits, Gate.OPEN);
    }

    /** Admits into {@code sink}; {@code gate} is asked before each request takes one of {@code permits}. */
    public Admission(SpanSink sink, long maxBodyBytes, IngestPermits permits, Gate gate) {
        this.receiver = new SpanReceiver(sink, maxBodyBytes);
        this.permits = permits;
        this.gate = gate;
        for (Refusal cause : Refusal.values()) {
            refused.put(cause, new LongAdder());
        }
        for (RejectionCause cause : RejectionCause.values()) {
            spansRejected.put(cause, new LongAdder());
        }
    }

    public Admission(SpanSink sink, long maxBodyBytes) {
        this(sink, maxBodyBytes, new IngestPermits(DEFAULT_MAX_CONCURRENT_REQUESTS));
    }

    public long maxBodyBytes() {
        return receiver.maxBodyBytes();
    }

    /** The permits every transport shares; tests hold them all to see a busy server. */
    public IngestPermits permits() {
        return permits;
    }

    /** OTLP/HTTP {@code /v1/traces} and OTLP/gRPC's request bytes. */
    public IngestOutcome otlp(OtlpEncoding encoding, InputStream body, String contentEncoding) {
        return admit(() -> receiver.receiveOtlp(encoding, body, contentEncoding));
    }

    /** Zipkin v2 JSON {@code /api/v2/spans}. */
    public IngestOutcome zipkin(InputStream body, String contentEncoding) {
        return admit(() -> receiver.receiveZipkin(body, contentEncoding));
    }

    /** Zipkin spans already parsed (Zipkin's {@code SpanConsumer}). */
    public IngestOutcome zipkin(List<zipkin2.Span> spans) {
        return admit(() -> receiver.receiveZipkin(spans));
    }

    /** A refusal its transport made before the body was whole; counted like the others. */
    public IngestOutcome.Refused refuse(Refusal cause, String message, int retryAfterSeconds) {
        refused.get(cause).increment();
        return new IngestOutcome.Refused(cause, message, cause.retryable() ? Math.max(1, retryAfterSeconds) : 0);
    }

    /** {@link #refuse(Refusal, String, int)} for a refusal a decoder or body reader raised. */
    public IngestOutcome.Refused refuse(IngestException e) {
        return refuse(e.refusal(), e.getMessage(), 0);
    }

    public Stats stats() {
        Map<Refusal, Long> byCause = new EnumMap<>(Refusal.class);
        refused.forEach((cause, count) -> byCause.put(cause, count.sum()));
        Map<RejectionCause, Long> rejected = new EnumMap<>(RejectionCause.class);
        spansRejected.forEach((cause, count) -> rejected.put(cause, count.sum()));
        return new Stats(requestsAccepted.sum(), spansAccepted.sum(), rejected, byCause);
    }

    private interface Receiving {
        AcceptedSpans receive() throws IOException;
    }

    private IngestOutcome admit(Receiving receiving) {
        try {
            gate.check();
        } catch (TenantLimitedSink.LimitExceededException e) {
            return refuse(Refusal.LIMITED, e.getMessage(), e.retryAfterSeconds());
        }
        try {
            if (!permits.tryAcquire()) {
                return refuse(Refusal.BUSY, permits.refusalMessage(), IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refuse(Refusal.BUSY, "the server is stopping; retry later", IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
        }
        try {
            AcceptedSpans accepted = receiving.receive();
            requestsAccepted.increment();
            spansAccepted.add(accepted.acceptedSpans());
            accepted.rejectedByCause().forEach((cause, count) -> spansRejected.get(cause).add(count));
            return new IngestOutcome.Accepted(accepted);
        } catch (IngestException e) {
            LOG.debug("request refused: {}", e.getMessage());
            return refuse(e);
        } catch (TenantLimitedSink.LimitExceededException e) {
            return refuse(Refusal.LIMITED, e.getMessage(), e.retryAfterSeconds());
        } catch (SpanSink.OverloadedException e) {
            return refuse(Refusal.BUSY, e.getMessage(), e.retryAfterSeconds());
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.error("storing spans failed: {}", reason);
            return refuse(Refusal.STORAGE_FAILING, "spans could not be stored: " + reason,
                    IngestPermits.RETRY_AFTER_SECONDS_WHEN_STORAGE_FAILS);
        } finally {
            permits.release();
        }
    }
}
