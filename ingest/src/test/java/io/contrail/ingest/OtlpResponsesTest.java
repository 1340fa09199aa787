package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.tracesOf;
import static io.contrail.ingest.SpanFixtures.validSpan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpResponsesTest {

    private final DecodedSpans partial = SpanValidator.validate(tracesOf(
            validSpan("ok", 0).build(), validSpan("GET /cart", 1).clearTraceId().build()));

    @Test
    void aFullSuccessIsAnEmptyBodyInEitherEncoding() {
        ExportTraceServiceResponse ok = SpanValidator.validate(tracesOf(validSpan("ok", 0).build()))
                .toResponse();

        assertThat(OtlpResponses.encode(ok, OtlpEncoding.PROTOBUF)).isEmpty();
        assertThat(new String(OtlpResponses.encode(ok, OtlpEncoding.JSON), StandardCharsets.UTF_8))
                .isEqualTo("{}");
    }

    @Test
    void aPartialSuccessIsWrittenAsOtlpJson() {
        String json = new String(OtlpResponses.json(partial.toResponse()), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"partialSuccess\":{\"rejectedSpans\":\"1\","
                + "\"errorMessage\":\"1 span rejected: resourceSpans[0].scopeSpans[0].spans[1] "
                + "\\\"GET /cart\\\": traceId must be 16 bytes, got 0\"}}");
    }

    @Test
    void aPartialSuccessRoundTripsThroughBothEncodings() throws Exception {
        ExportTraceServiceResponse response = partial.toResponse();

        assertThat(ExportTraceServiceResponse.parseFrom(OtlpResponses.protobuf(response)))
                .isEqualTo(response);
        var fromJson = ExportTraceServiceResponse.newBuilder();
        JsonFormat.parser().merge(new String(OtlpResponses.json(response), StandardCharsets.UTF_8),
                fromJson);
        assertThat(fromJson.build()).isEqualTo(response);
    }

    @Test
    void eachEncodingNamesItsContentType() {
        assertThat(OtlpEncoding.PROTOBUF.contentType()).isEqualTo("application/x-protobuf");
        assertThat(OtlpEncoding.JSON.contentType()).isEqualTo("application/json");
    }
}
