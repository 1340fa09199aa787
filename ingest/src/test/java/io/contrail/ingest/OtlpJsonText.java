package io.contrail.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Base64;
import java.util.HexFormat;

/** Writes a request as OTLP/JSON, as an exporter would: protobuf JSON with hex IDs. */
final class OtlpJsonText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OtlpJsonText() {}

    static String of(ExportTraceServiceRequest request) throws Exception {
        JsonNode tree = JSON.readTree(JsonFormat.printer().print(request));
        for (JsonNode resource : tree.path("resourceSpans")) {
            for (JsonNode scope : resource.path("scopeSpans")) {
                for (JsonNode span : scope.path("spans")) {
                    toHex((ObjectNode) span, "traceId", "spanId", "parentSpanId");
                    for (JsonNode link : span.path("links")) {
                        toHex((ObjectNode) link, "traceId", "spanId");
                    }
                }
            }
        }
        return JSON.writeValueAsString(tree);
    }

    private static void toHex(ObjectNode owner, String... fields) {
        for (String field : fields) {
            if (owner.has(field)) {
                owner.put(field, HexFormat.of().formatHex(
                        Base64.getDecoder().decode(owner.get(field).textValue())));
            }
        }
    }
}
