package io.contrail.http;

import static io.contrail.http.OtlpSpans.attribute;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OTLP/gRPC under the same limits as OTLP/HTTP: a message larger than {@code --max-body-bytes}
 * (sent plain or gzip-compressed) is RESOURCE_EXHAUSTED without retry info, since retrying cannot
 * help; a full ingest buffer is UNAVAILABLE with a RetryInfo delay, and the retry succeeds once
 * the buffer is written out. Nothing of a refused request is stored.
 */
class OtlpGrpcLimitsTest {

    private static final long MAX_BODY_BYTES = 64 * 1024;
    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");

    /** A small size limit, and a buffer of one span that only an explicit flush empties (a full one refuses at once). */
    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> config.withMaxBodyBytes(MAX_BODY_BYTES)
            .withStore(store -> store.withWrites(writes -> writes.withMaxBufferedSpans(1)
                    .withMaxBufferAge(Duration.ofHours(1)).withMaxBufferWait(Duration.ZERO))));

    private GrpcExportClient client;

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void aMessageOverTheSizeLimitIsResourceExhaustedWithoutRetryInfo() {
        byte[] oversize = oneSpan(701, "x".repeat((int) MAX_BODY_BYTES));

        var error = catchThrowableOfType(StatusRuntimeException.class,
                () -> client().export(oversize));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(error.getStatus().getDescription()).contains(String.valueOf(MAX_BODY_BYTES));
        assertThat(io.grpc.protobuf.StatusProto.fromThrowable(error)).as("no RetryInfo: retrying cannot help")
                .satisfiesAnyOf(status -> assertThat(status).isNull(),
                        status -> assertThat(status.getDetailsCount()).isZero());
        assertThat(server.storedSpanCount()).isZero();
    }

    @Test
    void aGzipMessageThatDecompressesOverTheSizeLimitIsResourceExhausted() {
        byte[] compressesWell = oneSpan(702, "x".repeat((int) MAX_BODY_BYTES * 4));

        var error = catchThrowableOfType(StatusRuntimeException.class,
                () -> client().export(compressesWell, CallOptions.DEFAULT.withCompression("gzip")));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(server.storedSpanCount()).isZero();
    }

    @Test
    void aFullIngestBufferIsUnavailableWithRetryInfoAndTheRetrySucceedsOnceWritten() throws IOException {
        ExportTraceServiceResponse first = client().export(oneSpan(703, "first"));
        assertThat(first.hasPartialSuccess()).isFalse();
        byte[] second = oneSpan(704, "second");

        var error = catchThrowableOfType(StatusRuntimeException.class,
                () -> client().export(second));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(error.getStatus().getDescription()).contains("ingest buffer full");
        assertThat(OtlpGrpcIngestTest.retryDelaySeconds(error)).isPositive();

        server.server().store().flush();
        client().export(second);
        server.flush();
        assertThat(server.rows("SELECT \"attr.note\" FROM spans ORDER BY 1").toString())
                .isEqualTo("[[\"first\"],[\"second\"]]");
    }

    private static byte[] oneSpan(int trace, String note) {
        return OtlpSpans.request().add("grpc-limits", span(traceId(trace), spanId(1), "GET /limits",
                        Span.SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(3)).addAttributes(attribute("note", note)))
                .toByteArray();
    }

    private GrpcExportClient client() {
        if (client == null) {
            client = new GrpcExportClient(server.server().grpcPort());
        }
        return client;
    }
}
