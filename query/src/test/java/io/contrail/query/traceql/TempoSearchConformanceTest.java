package io.contrail.query.traceql;

import static io.contrail.query.QueryEngineTest.T0;
import static io.contrail.query.QueryEngineTest.bytes;
import static io.contrail.query.QueryEngineTest.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search cases of Tempo's storage tests, run over the same trace written by Contrail's writer: grafana/tempo
 * {@code tempodb/encoding/vparquet4/block_traceql_test.go} (at ad33aa8), {@code TestBackendBlockSearchTraceQL}, its
 * {@code searchesThatMatch} and {@code searchesThatDontMatch}, over {@code fullyPopulatedTestTrace}. Each case keeps
 * its Tempo name. Cases that test Tempo's storage rather than TraceQL (time-range-only requests, "dedicated columns",
 * several conditions fetched at once, an attribute stored twice under one key with two types) are left out; cases on
 * events, links and instrumentation-scope attributes are listed as unsupported and must say so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TempoSearchConformanceTest {

    private static final String TRACE = "0123456789abcdef0123456789abcdef";
    private static final long SECOND = 1_000_000_000L;

    private TracesOnDisk onDisk;
    private TraceQueries traces;

    /** Tempo's fullyPopulatedTestTrace as OTLP: its first span ("hello") and second span ("world"). */
    @BeforeAll
    void writeFullyPopulatedTestTrace(@TempDir Path data) throws Exception {
        Span hello = Span.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes("0000000000000001")).setName("hello")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT).setStartTimeUnixNano(T0 + 100 * SECOND)
                .setEndTimeUnixNano(T0 + 200 * SECOND)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("STATUS_CODE_ERROR"))
                .addAllAttributes(List.of(kv("http.method", "get"), kv("http.url", "url/hello/world"),
                        kv("http.status_code", 500), array("int-array", 111, 222, 333, 444),
                        array("str-array", "value-one", "value-two"), kv("foo", "def"), kv("bar", 123), kv("float", 456.78),
                        kv("bool", false), kv("name", "Bob"), kv("service.name", "spanservicename")))
                .build();
        Span world = Span.newBuilder().setTraceId(bytes(TRACE)).setSpanId(bytes("0000000000000002")).setName("world")
                .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(T0 + 200 * SECOND)
                .setEndTimeUnixNano(T0 + 400 * SECOND)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK).setMessage("STATUS_CODE_OK"))
                .addAllAttributes(List.of(kv("http.method", "PUT"), kv("http.status_code", 501), kv("name", "Bob2"),
                        kv("service.name", "spanservicename2")))
                .build();
        ResourceSpans first = ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAllAttributes(List.of(
                        kv("service.name", "myservice"), kv("cluster", "cluster"), kv("namespace", "namespace"),
                        kv("pod", "pod"), kv("container", "container"), kv("k8s.cluster.name", "k8scluster"),
                        kv("k8s.namespace.name", "k8snamespace"), kv("k8s.pod.name", "k8spod"),
                        kv("k8s.container.name", "k8scontainer"), kv("foo", "abc"), kv("asdf", 123),
                        array("str-array", "value-one", "value-two", "value-three", "value-four"),
                        array("int-array", 11, 22, 33))))
                .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("scope-1")
                        .setVersion("version-1")).addSpans(hello)).build();
        ResourceSpans second = ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAllAttributes(List.of(
                        kv("service.name", "service2"), kv("cluster", "cluster2"), kv("foo", "abc2"))))
                .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("scope-2")
                        .setVersion("version-2")).addSpans(world)).build();
        onDisk = TracesOnDisk.write(data, List.of(first, second));
        traces = onDisk.traces();
    }

    @AfterAll
    void close() throws Exception {
        onDisk.close();
    }

    private static KeyValue array(String key, Object... values) {
        io.opentelemetry.proto.common.v1.ArrayValue.Builder array = io.opentelemetry.proto.common.v1.ArrayValue.newBuilder();
        for (Object value : values) {
            array.addValues(value instanceof String s ? AnyValue.newBuilder().setStringValue(s).build()
                    : AnyValue.newBuilder().setIntValue(((Number) value).longValue()).build());
        }
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setArrayValue(array)).build();
    }

    private static KeyValue kv(String key, double value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
    }

    private static KeyValue kv(String key, boolean value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
    }

    private static KeyValue kv(String key, String value) {
        return io.contrail.query.QueryEngineTest.kv(key, value);
    }

    private static KeyValue kv(String key, long value) {
        return io.contrail.query.QueryEngineTest.kv(key, value);
    }

    /** searchesThatMatch: {Tempo's case name, query}. */
    private static final List<List<String>> SEARCHES_THAT_MATCH = List.of(
            List.of("empty request", "{}"),
            List.of("Intrinsic: name", "{name = \"hello\"}"),
            List.of("Intrinsic: duration = 100s", "{duration = 100s}"),
            List.of("Intrinsic: duration > 99s", "{duration > 99s}"),
            List.of("Intrinsic: duration >= 100s", "{duration >= 100s}"),
            List.of("Intrinsic: duration < 101s", "{duration < 101s}"),
            List.of("Intrinsic: duration <= 100s", "{duration <= 100s}"),
            List.of("Intrinsic: status = error", "{status = error}"),
            List.of("Intrinsic: statusMessage = STATUS_CODE_ERROR", "{statusMessage = \"STATUS_CODE_ERROR\"}"),
            List.of("Intrinsic: kind = client", "{kind = client }"),
            List.of("Intrinsic: trace:id", "{ trace:id = \"" + TRACE + "\" }"),
            List.of(".service.name", "{.service.name = \"spanservicename\"}"),
            List.of(".cluster", "{.cluster = \"cluster\"}"),
            List.of(".namespace", "{.namespace = \"namespace\"}"),
            List.of(".pod", "{.pod = \"pod\"}"),
            List.of(".container", "{.container = \"container\"}"),
            List.of(".k8s.namespace.name", "{.k8s.namespace.name = \"k8snamespace\"}"),
            List.of(".k8s.cluster.name", "{.k8s.cluster.name = \"k8scluster\"}"),
            List.of(".k8s.pod.name", "{.k8s.pod.name = \"k8spod\"}"),
            List.of(".k8s.container.name", "{.k8s.container.name = \"k8scontainer\"}"),
            List.of("resource.service.name", "{resource.service.name = \"myservice\"}"),
            List.of("resource.cluster", "{resource.cluster = \"cluster\"}"),
            List.of("resource.namespace", "{resource.namespace = \"namespace\"}"),
            List.of("resource.pod", "{resource.pod = \"pod\"}"),
            List.of("resource.container", "{resource.container = \"container\"}"),
            List.of("resource.k8s.namespace.name", "{resource.k8s.namespace.name = \"k8snamespace\"}"),
            List.of("resource.k8s.cluster.name", "{resource.k8s.cluster.name = \"k8scluster\"}"),
            List.of("resource.k8s.pod.name", "{resource.k8s.pod.name = \"k8spod\"}"),
            List.of("resource.k8s.container.name", "{resource.k8s.container.name = \"k8scontainer\"}"),
            List.of("resource.service.name > myservice", "{resource.service.name > \"myservic\"}"),
            List.of("resource.service.name >= myservice", "{resource.service.name >= \"myservic\"}"),
            List.of("resource.service.name < myservice1", "{resource.service.name < \"myservice1\"}"),
            List.of("resource.service.name <= myservice1", "{resource.service.name <= \"myservice1\"}"),
            List.of(".http.status_code", "{.http.status_code = 500}"),
            List.of(".http.method", "{.http.method = \"get\"}"),
            List.of(".http.url", "{.http.url = \"url/hello/world\"}"),
            List.of("span.http.status_code", "{span.http.status_code = 500}"),
            List.of("span.http.method", "{span.http.method = \"get\"}"),
            List.of("span.http.url", "{span.http.url = \"url/hello/world\"}"),
            List.of("resource.str-array", "{resource.str-array = \"value-three\"}"),
            List.of("resource.int-array", "{resource.int-array = 11}"),
            List.of("span.str-array", "{span.str-array = \"value-two\"}"),
            List.of("span.int-array", "{span.int-array = 222}"),
            List.of("instrumentation:name", "{instrumentation:name = \"scope-1\"}"),
            List.of("instrumentation:version", "{instrumentation:version = \"version-1\"}"),
            List.of(".foo != nil", "{.foo != nil}"),
            List.of("nil != .foo", "{nil != .foo}"),
            List.of("span.http.status_code != nil", "{span.http.status_code != nil}"),
            List.of("nil != span.http.status_code", "{nil != span.http.status_code}"),
            List.of(".float = 456.78", "{.float = 456.78}"),
            List.of(".float != 456.79", "{.float != 456.79}"),
            List.of(".float > 456.7", "{.float > 456.7}"),
            List.of(".float >= 456.78", "{.float >= 456.78}"),
            List.of(".float < 456.781", "{.float < 456.781}"),
            List.of(".bool = false", "{.bool = false}"),
            List.of(".bool != true", "{.bool != true}"),
            List.of(".bar = 123", "{.bar = 123}"),
            List.of(".bar != 124", "{.bar != 124}"),
            List.of(".bar > 122", "{.bar > 122}"),
            List.of(".bar >= 123", "{.bar >= 123}"),
            List.of(".bar < 124", "{.bar < 124}"),
            List.of(".bar <= 123", "{.bar <= 123}"),
            List.of(".foo = \\\"def\\\"", "{.foo = \"def\"}"),
            List.of(".foo != \\\"deg\\\"", "{.foo != \"deg\"}"),
            List.of(".foo =~ \\\"d.*\\\"", "{.foo =~ \"d.*\"}"),
            List.of(".foo !~ \\\"x.*\\\"", "{.foo !~ \"x.*\"}"),
            List.of("resource.foo = \\\"abc\\\"", "{resource.foo = \"abc\"}"),
            List.of("span.foo = \\\"def\\\"", "{span.foo = \"def\"}"),
            // Tempo's makeReq of two conditions, either of which may match, written as one filter.
            List.of("Matches either condition", "{.foo = \"baz\" || .http.status_code > 100}"),
            List.of("Same as above but reversed order", "{.http.status_code > 100 || .foo = \"baz\"}"),
            List.of("Same attribute with mixed types", "{.foo > 100 || .foo = \"def\"}"),
            List.of("Multiple conditions on same well-known attribute, matches either",
                    "{.http.status_code = 500 || .http.status_code > 500}"),
            List.of("Mix of duration with other conditions", "{name = \"hello\" || duration < 100s}"),
            List.of("Almost conflicts with intrinsic but still works", "{.name = \"Bob\"}"),
            List.of("service.name present on span", "{.service.name = \"spanservicename\"}"),
            List.of(".bool && true", "{.bool && true} || {.foo = \"def\"}"),
            List.of("false || .bool", "{false || .bool} || {.foo = \"def\"}"));

    /** searchesThatDontMatch: {Tempo's case name, query}. */
    private static final List<List<String>> SEARCHES_THAT_DONT_MATCH = List.of(
            List.of("Regex IN", "{.foo =~ \"xyz.*\"}"),
            List.of("String Not Regex", "{.foo !~ \".*\"}"),
            List.of("Bool not match", "{span.bool = true && name = \"hello\"}"),
            List.of("Intrinsic: duration", "{duration >  1000s}"),
            List.of("Intrinsic: status", "{status = unset}"),
            List.of("Intrinsic: statusMessage", "{statusMessage = \"abc\"}"),
            List.of("Intrinsic: name", "{name = \"nothello\"}"),
            List.of("Intrinsic: kind", "{kind = producer }"),
            List.of("Well-known attribute: service.name not match", "{.service.name = \"notmyservice\"}"),
            List.of("Well-known attribute: http.status_code not match", "{.http.status_code = 200}"),
            List.of("Well-known attribute: http.status_code not match", "{.http.status_code > 600}"),
            List.of("Matches neither condition", "{.foo = \"xyz\" || .http.status_code = 1000}"),
            List.of("Matches some conditions but not all. Mix of span-level columns",
                    "{span.foo = \"baz\" && span.http.status_code > 100 && name = \"hello\"}"),
            List.of("Matches some conditions but not all. Only span generic attr lookups",
                    "{span.foo = \"baz\" && span.bar = 123}"),
            List.of("Matches some conditions but not all. Mix of span and resource columns",
                    "{resource.cluster = \"cluster\" && resource.namespace = \"namespace\" && span.foo = \"baz\"}"),
            List.of("Matches some conditions but not all. Mix of resource columns",
                    "{resource.cluster = \"notcluster\" && resource.namespace = \"namespace\" && resource.foo = \"abc\"}"),
            List.of("Matches some conditions but not all. Only resource generic attr lookups",
                    "{resource.foo = \"abc\" && resource.bar = 123}"),
            List.of("Mix of duration with other conditions", "{name = \"nothello\" && duration = 100s}"));

    /** searchesThatMatch cases on what Contrail does not compile: each is refused by name. */
    private static final List<List<String>> SEARCHES_UNSUPPORTED = List.of(
            List.of("event:name", "{event:name = \"e1\"}"),
            List.of("event:timeSinceStart", "{event:timeSinceStart > 2ms}"),
            List.of("event.message", "{event.message =~ \"exception\"}"),
            List.of("link:spanID", "{link:spanID = \"1234567890abcdef\"}"),
            List.of("link:traceID", "{link:traceID = \"1234567890abcdef1234567890abcdef\"}"),
            List.of("link.opentracing.ref_type", "{link.opentracing.ref_type = \"child-of\"}"),
            List.of("instrumentation.attr-str", "{instrumentation.scope-attr-str = \"scope-attr-1\"}"));

    private boolean matches(String query) throws Exception {
        return traces.searchTraceQl(query, TimeWindow.ALL, 20, 3).stream().anyMatch(t -> t.traceId().equals(TRACE));
    }

    @Test
    void tempoSearchesThatMatchFindTheTrace() throws Exception {
        List<String> missed = new ArrayList<>();
        for (List<String> c : SEARCHES_THAT_MATCH) {
            if (!matches(c.get(1))) {
                missed.add(c.get(0) + ": " + c.get(1));
            }
        }
        assertThat(missed).isEmpty();
        assertThat(SEARCHES_THAT_MATCH).hasSize(77);
    }

    @Test
    void tempoSearchesThatDontMatchFindNothing() throws Exception {
        List<String> found = new ArrayList<>();
        for (List<String> c : SEARCHES_THAT_DONT_MATCH) {
            if (matches(c.get(1))) {
                found.add(c.get(0) + ": " + c.get(1));
            }
        }
        assertThat(found).isEmpty();
        assertThat(SEARCHES_THAT_DONT_MATCH).hasSize(18);
    }

    /** Array attributes as ast_execute.go BinaryOperation.execute compares them: element by element. */
    @Test
    void arrayAttributesMatchElementByElement() throws Exception {
        assertThat(matches("{ span.int-array > 400 }")).as("one element").isTrue();
        assertThat(matches("{ span.int-array != 5 }")).as("!= holds for every element").isTrue();
        assertThat(matches("{ span.int-array != 222 }")).isFalse();
        assertThat(matches("{ span.str-array =~ \"value-t.*\" }")).isTrue();
        assertThat(matches("{ span.str-array !~ \"value-.*\" }")).isFalse();
        assertThat(matches("{ 500 > span.int-array && name = \"hello\" }")).as("array on the right").isTrue();
        assertThat(matches("{ .int-array = 22 }")).as("unscoped: the span's array comes first").isFalse();
        assertThat(matches("{ span.int-array = \"222\" }")).isFalse();
        List<TraceQlResults.Trace> found = traces.searchTraceQl("{ name = \"hello\" } | select(span.int-array)",
                TimeWindow.ALL, 20, 3);
        assertThat(found.get(0).spanSets().get(0).spans().get(0).attributes())
                .containsEntry("span.int-array", List.of(111L, 222L, 333L, 444L));
    }

    @Test
    void tempoSearchesOnEventsLinksAndScopeAttributesAreRefusedAsUnsupported() {
        for (List<String> c : SEARCHES_UNSUPPORTED) {
            assertThatThrownBy(() -> matches(c.get(1))).as(c.get(0)).isInstanceOfSatisfying(TraceQlException.class,
                    e -> assertThat(e.reason()).isEqualTo(TraceQlException.Reason.UNSUPPORTED));
        }
    }
}
