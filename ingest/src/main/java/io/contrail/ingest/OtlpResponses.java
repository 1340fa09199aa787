package io.contrail.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the OTLP/HTTP success answer in the encoding the request came in, as the OTLP
 * specification requires. An empty response (all spans accepted) is an empty protobuf body or
 * {@code {}}.
 */
public final class OtlpResponses {

    private static final JsonFormat.Printer JSON_PRINTER =
            JsonFormat.printer().omittingInsignificantWhitespace();

    private OtlpResponses() {}

    public static byte[] encode(ExportTraceServiceResponse response, OtlpEncoding encoding) {
        return switch (encoding) {
            case PROTOBUF -> protobuf(response);
            case JSON -> json(response);
        };
    }

    public static byte[] protobuf(ExportTraceServiceResponse response) {
        return response.toByteArray();
    }

    /**
     * OTLP/JSON: lowerCamelCase names, fields at their default value left out, and {@code
     * rejectedSpans} (an int64) written as a JSON string, which the OTLP/JSON mapping allows.
     */
    public static byte[] json(ExportTraceServiceResponse response) {
        try {
            return JSON_PRINTER.print(response).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            // Only thrown for Any fields whose type is unknown; the response has none.
            throw new IllegalStateException("cannot print an ExportTraceServiceResponse as JSON", e);
        }
    }
}
