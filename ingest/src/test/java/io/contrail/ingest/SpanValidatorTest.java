package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.START_UNIX_NANO;
import static io.contrail.ingest.SpanFixtures.attribute;
import static io.contrail.ingest.SpanFixtures.hex;
import static io.contrail.ingest.SpanFixtures.resource;
import static io.contrail.ingest.SpanFixtures.scope;
import static io.contrail.ingest.SpanFixtures.tracesOf;
import static io.contrail.ingest.SpanFixtures.validSpan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpanValidatorTest {

    static Stream<Arguments> invalidSpans() {
        return Stream.of(
                rule("traceId must be 16 bytes, got 8", s -> s.setTraceId(hex("0102030405060708"))),
                rule("traceId must be 16 bytes, got 0", s -> s.clearTraceId()),
                rule("traceId must not be all zeros", s -> s.setTraceId(ByteString.copyFrom(new byte[16]))),
                rule("spanId must be 8 bytes, got 4", s -> s.setSpanId(hex("01020304"))),
                rule("spanId must be 8 bytes, got 0", s -> s.clearSpanId()),
                rule("spanId must not be all zeros", s -> s.setSpanId(ByteString.copyFrom(new byte[8]))),
                rule("parentSpanId must be empty or 8 bytes, got 3",
                        s -> s.setParentSpanId(hex("010203"))),
                rule("endTimeUnixNano 5 is before startTimeUnixNano 6",
                        s -> s.setStartTimeUnixNano(6).setEndTimeUnixNano(5)),
                // fixed64 times: 2^64-1, 2^63-1 (DuckDB: "Timestamp microseconds out of range"), 2^63+1.
                rule("endTimeUnixNano 18446744073709551615" + OUTSIDE, s -> s.setEndTimeUnixNano(-1L)),
                rule("endTimeUnixNano 9223372036854775807" + OUTSIDE, s -> s.setEndTimeUnixNano(Long.MAX_VALUE)),
                rule("endTimeUnixNano 9214646400000000000" + OUTSIDE,
                        s -> s.setEndTimeUnixNano(9_214_646_400_000_000_000L)),
                rule("startTimeUnixNano 9223372036854775809" + OUTSIDE + ", endTimeUnixNano 9223372036854775809"
                        + OUTSIDE, s -> s.setStartTimeUnixNano(Long.MIN_VALUE + 1).setEndTimeUnixNano(Long.MIN_VALUE + 1)),
                rule("events[1].timeUnixNano 9223372036854775809" + OUTSIDE,
                        s -> s.addEvents(Span.Event.newBuilder().setName("ok").setTimeUnixNano(START_UNIX_NANO))
                                .addEvents(Span.Event.newBuilder().setName("x").setTimeUnixNano(Long.MIN_VALUE + 1))),
                rule("attributes[1].key \"a\\u0000b\" contains U+0000 (NUL)",
                        s -> s.addAttributes(attribute("ok", "1")).addAttributes(attribute("a\u0000b", "v"))),
                rule("attributes[0].key \"\\uD800x\" contains a lone UTF-16 surrogate (U+D800), which has no UTF-8 form",
                        s -> s.addAttributes(attribute("\uD800x", "v"))),
                rule("events[0].attributes[0].key \"\\u0000\" contains U+0000 (NUL)",
                        s -> s.addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(START_UNIX_NANO)
                                .addAttributes(attribute("\u0000", "v")))),
                rule("links[0].attributes[0].key \"k\\u0000\" contains U+0000 (NUL)",
                        s -> s.addLinks(Span.Link.newBuilder().setTraceId(hex(SpanFixtures.TRACE_ID_HEX))
                                .setSpanId(hex("00000000000000aa")).addAttributes(attribute("k\u0000", "v")))));
    }

    private static final String OUTSIDE =
            " is outside the stored range (from 1970-01-01T00:00:00Z up to 2262-01-01T00:00:00Z)";

    private static Arguments rule(String problem, UnaryOperator<Span.Builder> breakIt) {
        return Arguments.of(problem, breakIt);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpans")
    void anInvalidSpanIsRejectedAloneWithAMessageNamingTheField(
            String problem, UnaryOperator<Span.Builder> breakIt) {
        Span first = validSpan("GET /", 0).build();
        Span bad = breakIt.apply(validSpan("GET /cart", 1)).build();
        Span last = validSpan("POST /pay", 2).build();

        DecodedSpans decoded = SpanValidator.validate(tracesOf(first, bad, last));

        assertThat(decoded.acceptedSpans()).isEqualTo(2);
        assertThat(decoded.rejectedSpans()).isEqualTo(1);
        assertThat(decoded.errorMessage()).isEqualTo(
                "1 span rejected: resourceSpans[0].scopeSpans[0].spans[1] \"GET /cart\": " + problem);
        assertThat(decoded.traces()).isEqualTo(tracesOf(first, last));
    }

    @Test
    void validSpansAreReturnedAsTheyCame() {
        TracesData traces = tracesOf(validSpan("a", 0).build(),
                validSpan("b", 1).setParentSpanId(hex("0000000000001000")).build());

        DecodedSpans decoded = SpanValidator.validate(traces);

        assertThat(decoded).isEqualTo(new DecodedSpans(traces, 2, 0, null));
        assertThat(decoded.fullyAccepted()).isTrue();
        assertThat(decoded.toResponse()).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        assertThat(decoded.toResponse().hasPartialSuccess()).isFalse();
    }

    @Test
    void everyProblemOfASpanIsNamed() {
        Span bad = validSpan("x", 0).clearTraceId().setSpanId(ByteString.copyFrom(new byte[8]))
                .build();

        DecodedSpans decoded = SpanValidator.validate(tracesOf(bad));

        assertThat(decoded.errorMessage()).isEqualTo("1 span rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[0] \"x\": "
                + "traceId must be 16 bytes, got 0, spanId must not be all zeros");
    }

    @Test
    void eachRejectedSpanIsCountedOnceUnderTheCauseOfItsFirstProblem() {
        Span badId = validSpan("id", 1).clearTraceId().build();
        Span badIdAndTime = validSpan("id-and-time", 2).clearSpanId().setEndTimeUnixNano(1).build();
        Span badTime = validSpan("time", 3).setEndTimeUnixNano(1).build();
        Span badKey = validSpan("key", 4).addAttributes(attribute("a\u0000b", "x")).build();
        Span good = validSpan("good", 5).build();
        TracesData traces = TracesData.newBuilder()
                .addResourceSpans(resource("a", scope("s", badId, badIdAndTime, badTime, badKey, good)))
                .build();

        DecodedSpans decoded = SpanValidator.validate(traces);

        assertThat(decoded.rejectedSpans()).isEqualTo(4);
        assertThat(decoded.rejectedByCause()).isEqualTo(java.util.Map.of(RejectionCause.INVALID_ID, 2,
                RejectionCause.INVALID_TIME, 1, RejectionCause.INVALID_ATTRIBUTE_KEY, 1));
        AcceptedSpans fast = OtlpProtobufDecoder.decode(traces.toByteArray());
        assertThat(fast.rejectedByCause()).as("the protobuf decoder counts as the validator does")
                .isEqualTo(decoded.rejectedByCause());
    }

    @Test
    void scopesAndResourcesLeftWithoutSpansAreDropped() {
        Span bad = validSpan("bad", 9).clearSpanId().build();
        Span good = validSpan("good", 1).build();
        TracesData traces = TracesData.newBuilder()
                .addResourceSpans(resource("only-bad", scope("s", bad)))
                .addResourceSpans(resource("mixed", scope("bad-only", bad), scope("good", good),
                        ScopeSpans.getDefaultInstance()))
                .addResourceSpans(resource("empty"))
                .build();

        DecodedSpans decoded = SpanValidator.validate(traces);

        assertThat(decoded.traces()).isEqualTo(TracesData.newBuilder()
                .addResourceSpans(resource("mixed", scope("good", good))).build());
        assertThat(decoded.acceptedSpans()).isEqualTo(1);
        assertThat(decoded.rejectedSpans()).isEqualTo(2);
        assertThat(decoded.errorMessage()).startsWith("2 spans rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[0] \"bad\": spanId must be 8 bytes, got 0; "
                + "resourceSpans[1].scopeSpans[0].spans[0] \"bad\": ");
    }

    @Test
    void emptyContainersAreDroppedEvenWhenNothingIsRejected() {
        Span good = validSpan("good", 1).build();
        TracesData traces = TracesData.newBuilder()
                .addResourceSpans(resource("a", ScopeSpans.getDefaultInstance(), scope("s", good)))
                .addResourceSpans(resource("b"))
                .build();

        DecodedSpans decoded = SpanValidator.validate(traces);

        assertThat(decoded).isEqualTo(new DecodedSpans(
                TracesData.newBuilder().addResourceSpans(resource("a", scope("s", good))).build(),
                1, 0, null));
    }

    @Test
    void theMessageDescribesTheFirstFiveRejectionsAndCountsTheRest() {
        Span[] spans = IntStream.range(0, 8)
                .mapToObj(i -> validSpan("s" + i, i).setTraceId(hex("01")).build())
                .toArray(Span[]::new);

        DecodedSpans decoded = SpanValidator.validate(tracesOf(spans));

        assertThat(decoded.acceptedSpans()).isZero();
        assertThat(decoded.rejectedSpans()).isEqualTo(8);
        assertThat(decoded.traces()).isEqualTo(TracesData.getDefaultInstance());
        assertThat(decoded.errorMessage())
                .startsWith("8 spans rejected: resourceSpans[0].scopeSpans[0].spans[0] \"s0\"")
                .contains("spans[4] \"s4\": traceId must be 16 bytes, got 1; and 3 more")
                .doesNotContain("\"s5\"");
    }

    @Test
    void aPartialRejectionBecomesAnOtlpPartialSuccess() {
        DecodedSpans decoded = SpanValidator.validate(
                tracesOf(validSpan("ok", 0).build(), validSpan("bad", 1).clearTraceId().build()));

        ExportTraceServiceResponse response = decoded.toResponse();

        assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(response.getPartialSuccess().getErrorMessage()).isEqualTo(decoded.errorMessage());
    }

    @Test
    void longSpanNamesAreShortenedInTheMessage() {
        String name = "n".repeat(500);

        DecodedSpans decoded = SpanValidator.validate(tracesOf(validSpan(name, 0).clearSpanId()
                .build()));

        assertThat(decoded.errorMessage()).contains('"' + "n".repeat(80) + "…\"")
                .hasSizeLessThan(200);
    }

    @Test
    void theFirstAndLastStoredTimesAreAccepted() {
        Span epoch = validSpan("epoch", 0).setStartTimeUnixNano(0).setEndTimeUnixNano(0).build();
        long lastNano = 9_214_646_400_000_000_000L - 1; // 2261-12-31T23:59:59.999999999Z
        Span last = validSpan("last", 1).setStartTimeUnixNano(lastNano).setEndTimeUnixNano(lastNano)
                .addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(lastNano)).build();

        DecodedSpans decoded = SpanValidator.validate(tracesOf(epoch, last));

        assertThat(decoded.errorMessage()).isNull();
        assertThat(decoded.acceptedSpans()).isEqualTo(2);
    }

    @Test
    void aResourceKeyThatCannotBeStoredRejectsEverySpanOfThatResourceOnly() {
        Span good = validSpan("good", 0).build();
        TracesData traces = TracesData.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", "bad"))
                                .addAttributes(attribute("host\u0000name", "h")))
                        .addScopeSpans(scope("s", validSpan("a", 1).build(), validSpan("b", 2).build())))
                .addResourceSpans(resource("fine", scope("s", good)))
                .build();

        DecodedSpans decoded = SpanValidator.validate(traces);

        assertThat(decoded.traces()).isEqualTo(TracesData.newBuilder()
                .addResourceSpans(resource("fine", scope("s", good))).build());
        assertThat(decoded.rejectedSpans()).isEqualTo(2);
        assertThat(decoded.errorMessage()).isEqualTo("2 spans rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[0] \"a\": resource.attributes[1].key \"host\\u0000name\" "
                + "contains U+0000 (NUL); resourceSpans[0].scopeSpans[0].spans[1] \"b\": resource.attributes[1].key "
                + "\"host\\u0000name\" contains U+0000 (NUL)");
    }

    @Test
    void keysThatAreOnlyUnusualAreStored() {
        // Stored exactly: their columns are quoted identifiers ("attr.<key>"), distinct per DuckDB's rules.
        Span span = validSpan("unusual keys", 0)
                .addAttributes(attribute("", "empty"))
                .addAttributes(attribute("quote\"and'apostrophe", "q"))
                .addAttributes(attribute("tab\tnew\nline", "t"))
                .addAttributes(attribute("\u212A", "kelvin"))
                .addAttributes(attribute("emoji \uD83D\uDE00", "paired surrogates"))
                .build();

        assertThat(SpanValidator.validate(tracesOf(span)).errorMessage()).isNull();
    }
}
