package io.contrail.http.jaeger;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * Jaeger's HTTP JSON model, as Jaeger v2.20.0 answers its query API ({@code model/json/model.go}
 * and the {@code structuredResponse} of {@code cmd/query/app/http_handler.go}); the Jaeger UI and
 * Grafana's Jaeger data source read exactly these field names. Fields Go marks {@code omitempty}
 * are left out when empty. Times and durations are microseconds.
 */
final class JaegerJson {

    private JaegerJson() {
    }

    /** The envelope of every answer; {@code errors} is null when there are none, as in Jaeger. */
    record Response(Object data, int total, int limit, int offset, List<Error> errors) {
        /** A listing (services, operations): Jaeger sets {@code total} to its size. */
        static Response of(List<?> data) {
            return new Response(data, data.size(), 0, 0, null);
        }

        static Response error(int code, String message) {
            return new Response(null, 0, 0, 0, List.of(new Error(code, message, null)));
        }
    }

    record Error(@JsonInclude(JsonInclude.Include.NON_DEFAULT) int code, String msg,
                 @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("traceID") String traceId) {
    }

    record Trace(@JsonProperty("traceID") String traceId, List<Span> spans, Map<String, Process> processes,
                 @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> warnings) {
    }

    record Span(@JsonProperty("traceID") String traceId,
                @JsonProperty("spanID") String spanId,
                @JsonInclude(JsonInclude.Include.NON_DEFAULT) long flags,
                String operationName,
                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Reference> references,
                long startTime,
                long duration,
                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<KeyValue> tags,
                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Log> logs,
                @JsonProperty("processID") String processId,
                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> warnings) {
    }

    record Reference(String refType, @JsonProperty("traceID") String traceId, @JsonProperty("spanID") String spanId) {
        static final String CHILD_OF = "CHILD_OF";
        static final String FOLLOWS_FROM = "FOLLOWS_FROM";
    }

    record Process(String serviceName, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<KeyValue> tags) {
    }

    record Log(long timestamp, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<KeyValue> fields) {
    }

    /** A typed value: {@code type} is string, bool, int64, float64 or binary. */
    record KeyValue(String key, @JsonInclude(JsonInclude.Include.NON_EMPTY) String type, Object value) {
    }

    record DependencyLink(String parent, String child, long callCount) {
    }

    record Operation(String name, String spanKind) {
    }
}
