package io.contrail.ingest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Decodes OTLP/HTTP trace export bodies, protobuf or JSON, into validated {@link DecodedSpans}.
 *
 * <p>A body that cannot be parsed fails whole with a 400 {@link IngestException}; a body that
 * parses but holds invalid spans is partially accepted (see {@link SpanValidator}). Stateless and
 * thread-safe.
 */
public final class OtlpDecoder {

    /**
     * JsonFormat refuses messages nested deeper than 100 (about 300 JSON levels through AnyValue),
     * so deeper JSON can only be junk in unknown fields. Refusing it early keeps the re-serialization
     * and JsonFormat's recursive Gson parse far from a StackOverflowError on small thread stacks.
     */
    private static final int MAX_JSON_NESTING_DEPTH = 400;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_JSON_NESTING_DEPTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // int64 and fixed64 values may come as JSON numbers such as 1.7e18; keep them exact.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    // OTLP receivers must ignore fields they do not know (newer protocol versions add fields).
    private static final JsonFormat.Parser OTLP_JSON = JsonFormat.parser().ignoringUnknownFields();

    private OtlpDecoder() {}

    /** Decodes a body announced by its Content-Type; 415 for a type OTLP/HTTP does not define. */
    public static DecodedSpans decode(String contentType, byte[] body) {
        return decode(OtlpEncoding.ofContentType(contentType), body);
    }

    /** Decodes a body into the chunk of its accepted spans: what the warehouse takes. */
    public static AcceptedSpans decodeChunk(OtlpEncoding encoding, byte[] body) {
        return switch (encoding) {
            case PROTOBUF -> OtlpProtobufDecoder.decode(body);
            case JSON -> AcceptedSpans.of(decodeJson(body));
        };
    }

    public static DecodedSpans decode(OtlpEncoding encoding, byte[] body) {
        return switch (encoding) {
            case PROTOBUF -> decodeProtobuf(body);
            case JSON -> decodeJson(body);
        };
    }

    /**
     * Decodes a protobuf-encoded {@code ExportTraceServiceRequest}; an empty body has no spans.
     */
    public static DecodedSpans decodeProtobuf(byte[] body) {
        return SpanValidator.validate(asTracesData(parseRequest(body)));
    }

    /** Parses a protobuf-encoded {@code ExportTraceServiceRequest}; a 400 with protobuf's reason when it cannot. */
    static ExportTraceServiceRequest parseRequest(byte[] body) {
        try {
            return ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw IngestException.malformed(
                    "malformed OTLP protobuf ExportTraceServiceRequest: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes an OTLP/JSON {@code ExportTraceServiceRequest}: lowerCamelCase (or proto) field names,
     * hex trace and span IDs in either case, 64-bit integers as strings or numbers, enums as
     * integers or names. Unknown fields are ignored. A span whose ID is not hex is rejected alone.
     */
    public static DecodedSpans decodeJson(byte[] body) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JacksonException e) {
            throw IngestException.malformed("malformed OTLP/JSON: " + e.getOriginalMessage(), e);
        } catch (NumberFormatException e) {
            // Jackson does not wrap this one: a number whose exponent a BigDecimal cannot hold.
            throw IngestException.malformed("malformed OTLP/JSON: unreadable number: " + e.getMessage(),
                    e);
        } catch (IOException e) {
            // Reading a byte array fails only on its content: Jackson takes a body starting with zero
            // bytes for UTF-16 or UTF-32 and throws a CharConversionException on bytes invalid there.
            throw IngestException.malformed("malformed OTLP/JSON: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw IngestException.malformed(
                    "malformed OTLP/JSON: expected a JSON object (an ExportTraceServiceRequest)");
        }
        Map<SpanPosition, List<String>> idProblems = OtlpJsonIds.rewriteToBase64(tree);

        var request = ExportTraceServiceRequest.newBuilder();
        try {
            OTLP_JSON.merge(JSON.writeValueAsString(tree), request);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot re-serialize a parsed JSON tree", e);
        } catch (InvalidProtocolBufferException e) {
            throw IngestException.malformed("malformed OTLP/JSON: " + e.getMessage(), e);
        }
        return SpanValidator.validate(asTracesData(request.build()), idProblems, RejectionCause.INVALID_ID,
                SpanPosition::path);
    }

    /** Same field number and type as the request's resource_spans: the spans are shared, not copied. */
    private static TracesData asTracesData(ExportTraceServiceRequest request) {
        return TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build();
    }
}
