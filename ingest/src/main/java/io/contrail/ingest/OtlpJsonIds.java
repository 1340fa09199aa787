package io.contrail.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the hex trace and span IDs of an OTLP/JSON body into the base64 that protobuf's JSON
 * mapping expects for bytes fields, in place, so {@code JsonFormat} can parse the rest.
 *
 * <p>OTLP/JSON differs from the canonical protobuf JSON mapping here and only here: {@code
 * traceId}, {@code spanId}, {@code parentSpanId} and the links' {@code traceId}/{@code spanId} are
 * hex strings, in either case. An ID that is not hex does not fail the request: the field is
 * removed and the problem is reported for that span, which validation then rejects.
 */
final class OtlpJsonIds {

    private static final HexFormat HEX = HexFormat.of();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private OtlpJsonIds() {}

    /**
     * Rewrites every ID under {@code request} and returns the problems found, by span position.
     * Parts that do not have the expected shape (a non-array {@code resourceSpans}…) are left
     * untouched for {@code JsonFormat} to refuse.
     */
    static Map<SpanPosition, List<String>> rewriteToBase64(JsonNode request) {
        Map<SpanPosition, List<String>> problems = new HashMap<>();
        List<JsonNode> resources = elements(request, "resourceSpans", "resource_spans");
        for (int r = 0; r < resources.size(); r++) {
            List<JsonNode> scopes = elements(resources.get(r), "scopeSpans", "scope_spans");
            for (int s = 0; s < scopes.size(); s++) {
                List<JsonNode> spans = elements(scopes.get(s), "spans", "spans");
                for (int i = 0; i < spans.size(); i++) {
                    List<String> spanProblems = rewriteSpan(spans.get(i));
                    if (!spanProblems.isEmpty()) {
                        problems.put(new SpanPosition(r, s, i), spanProblems);
                    }
                }
            }
        }
        return problems;
    }

    private static List<String> rewriteSpan(JsonNode span) {
        List<String> problems = new ArrayList<>(0);
        if (!(span instanceof ObjectNode spanObject)) {
            return problems;
        }
        rewriteId(spanObject, "traceId", "trace_id", "traceId", problems);
        rewriteId(spanObject, "spanId", "span_id", "spanId", problems);
        rewriteId(spanObject, "parentSpanId", "parent_span_id", "parentSpanId", problems);
        List<JsonNode> links = elements(spanObject, "links", "links");
        for (int l = 0; l < links.size(); l++) {
            if (links.get(l) instanceof ObjectNode link) {
                rewriteId(link, "traceId", "trace_id", "links[" + l + "].traceId", problems);
                rewriteId(link, "spanId", "span_id", "links[" + l + "].spanId", problems);
            }
        }
        return problems;
    }

    /** Rewrites the field under either of its accepted names; {@code label} names it in messages. */
    private static void rewriteId(
            ObjectNode owner, String jsonName, String protoName, String label, List<String> problems) {
        for (String name : new String[] {jsonName, protoName}) {
            JsonNode value = owner.get(name);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isTextual()) {
                owner.remove(name);
                problems.add(label + " must be a hex string");
                continue;
            }
            String hex = value.textValue();
            if (!isHex(hex)) {
                owner.remove(name);
                problems.add(label + " is not hex");
            } else if (hex.length() % 2 != 0) {
                owner.remove(name);
                problems.add(label + " has an odd number of hex digits");
            } else {
                owner.put(name, BASE64.encodeToString(HEX.parseHex(hex)));
            }
        }
    }

    private static boolean isHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!HexFormat.isHexDigit(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The array under either name, or nothing when it is missing or not an array. */
    private static List<JsonNode> elements(JsonNode owner, String jsonName, String protoName) {
        JsonNode array = owner.get(jsonName);
        if (array == null) {
            array = owner.get(protoName);
        }
        if (array == null || !array.isArray()) {
            return List.of();
        }
        List<JsonNode> elements = new ArrayList<>(array.size());
        array.forEach(elements::add);
        return elements;
    }
}
