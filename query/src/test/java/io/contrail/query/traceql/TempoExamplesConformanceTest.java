package io.contrail.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tempo's own list of TraceQL queries that parse and queries that do not, from grafana/tempo
 * {@code pkg/traceql/test_examples.yaml} (at ad33aa8; Tempo's {@code TestExamples} in {@code pkg/traceql/parse_test.go}
 * runs it), checked against this parser and compiler. Every valid query either compiles or is refused as
 * {@link TraceQlException.Reason#UNSUPPORTED} and listed as such here; every query Tempo fails to parse fails here
 * too. The lists are explicit so that a change in what is supported shows as a failing test, not as drift.
 *
 * <p>The yaml's {@code validate_fails} (queries that parse but that Tempo's {@code validate()} refuses, e.g.
 * {@code { 1 = "foo" }}) are refused as {@link TraceQlException.Reason#INVALID}, or as unsupported where they use a
 * construct not compiled; its metrics ones are left out. Its two bad regexes ({@code { span.foo =~ "[" }},
 * {@code !~}) compile: DuckDB, whose RE2 reads Tempo's regex syntax, refuses them when the search runs
 * ({@code TraceQlSearchTest}).
 */
class TempoExamplesConformanceTest {

    /** test_examples.yaml "valid": spanset filters, operators, scalar filters, pipelines, by, select, nil. */
    private static final List<String> VALID_COMPILED = List.of(
            "{ true }",
            "{ !true }",
            "{ true && false }",
            "{ true || false }",
            "{ 1 = 2 }",
            "{ 1 != 2 }",
            "{ 1 > 2 }",
            "{ 1 >= 2 }",
            "{ 1 < 2 }",
            "{ 1 <= 2 }",
            "{ -1 = 2 }",
            "{ \"test\" =~ \"test\" }",
            "{ \"test\" !~ \"test\" }",
            "{ \"test\" = \"test\" }",
            "{ \"test\" != \"test\" }",
            "{ .a }",
            "{ !.a }",
            "{ .a && false }",
            "{ .a || true }",
            "{ .a = 2 }",
            "{ .a != 2 }",
            "{ .a > 2 }",
            "{ .a >= 2 }",
            "{ .a < 2 }",
            "{ .a <= 2 }",
            "{ .a =~ \"test\" }",
            "{ .a !~ \"test\" }",
            "{ .a = \"test\" }",
            "{ .a != \"test\" }",
            "{ resource.a != 3 }",
            "{ span.a != 3 }",
            "{ !(\"test\" != .c || ((true && .b) || 3 < .a)) }",
            "{ status = ok }",
            "{ status = unset }",
            "{ status = error }",
            "{ status != error }",
            "{ statusMessage = \"status message\" }",
            "{ statusMessage = \"\" }",
            "{ statusMessage =~ \".*\" }",
            "{ statusMessage != \"\" }",
            "{ kind = internal }",
            "{ kind = client }",
            "{ kind = consumer }",
            "{ traceDuration > 1s }",
            "{ rootServiceName = \"foo\" }",
            "{ rootName != \"foo\" }",
            "{ duration > 1s }",
            "{ 1 < 1h }",
            "{ 1 <= 1.1 }",
            "{ span.foo != 3.0 }",
            "{ .\"foo bar\" = \"v\" }",
            "{ span.\"foo bar\" = \"v\" }",
            "{ resource.\"foo bar\" = \"v\" }",
            "{ .\"foo\\\" = \\\"bar\" = \"v\" }",
            "{ .\"a\\\\b\" = \"v\" }",
            "{ .\"a\\\"b\" = \"v\" }",
            "{ .\"foo\tbar\" = \"v\" }",
            "{ .\"foo\nbar\" = \"v\" }",
            "{ .\"foo\rbar\" = \"v\" }",
            "{ .\" x\" = \"v\" }",
            "{ trace:duration > 2s }",
            "{ trace:rootName = \"a\" }",
            "{ trace:rootService = \"a\" }",
            "{ trace:id = \"aasdf4ergf\" }",
            "{ span:duration > 2s }",
            "{ span:status = error }",
            "{ span:kind = client }",
            "{ span:statusMessage = \"status message\" }",
            "{ span:id = \"61626364656667\" }",
            "{ span:parentID = \"84737586494\" }",
            "{ instrumentation:name = \"grpc\" }",
            "{ instrumentation:version = \"v3.34\" }",
            "{ .http.status >= \"200\" }",
            "{ true } && { true }",
            "{ true } || { true }",
            "{ true } >> { true }",
            "{ true } << { true }",
            "{ true } > { true }",
            "{ true } < { true }",
            "{ true } ~ { true }",
            "{ true } !> { true }",
            "{ true } !< { true }",
            "{ true } !~ { true }",
            "{ true } !>> { true }",
            "{ true } !<< { true }",
            "{ true } &> { true }",
            "{ true } &< { true }",
            "{ true } &~ { true }",
            "{ true } &>> { true }",
            "{ true } &<< { true }",
            "({ true } | count() > 1 | { false }) >> ({ true } | count() > 1 | { false })",
            "({ true } | count() > 1 | { false }) > ({ true } | count() > 1 | { false })",
            "({ true } | count() > 1 | { false }) ~ ({ true } | count() > 1 | { false })",
            "{.attr=\"a\" || .attr=\"b\"}",
            "{.attr=1 || .attr=2}",
            "{.attr=1.1 || .attr=2.2}",
            "{.attr!=\"a\" && .attr!=\"b\"}",
            "{.attr!=1 && .attr!=2}",
            "{.attr!=1.1 && .attr!=1.1}",
            "{.attr=~\"a.*\" || .attr=~\"b.*\"}",
            "{.attr!~\"a.*\" && .attr!~\"b.*\"}",
            "avg(.field) > 1",
            "max(duration) >= 1s",
            "max(duration) > 1",
            "{ true } | max(duration) = 1h",
            "{ true } | min(duration) = 1h",
            "{ true } | sum(duration) = 1h",
            "{ true } | max(.a) = 1",
            "{ true } | max(span.a) = 1",
            "{ true } | max(resource.a) = 1",
            "max(duration) > 3s | { status = error || .http.status = 500 }",
            "select(.a)",
            "{} | select(.a,.b,.c)",
            "{ true } | { .a }",
            "{ true } | count() = 1",
            "{ true } | avg(duration) = 1h",
            "count() = 1 | { true }",
            "{ true } | count() = 1 | { true }",
            "({ true } | count() > 1 | { false }) && ({ true } | count() > 1 | { false })",
            "({ true } | count() > 1 | { false }) || ({ true } | count() > 1 | { false })",
            "{ true } | coalesce()",
            "{ true } | by(.a)",
            "by(.a) | { true }",
            "{ true } | by(name) | count() > 2",
            "{ true } | by(.field) | avg(.b) = 2",
            "{ nil != nil }",
            "{ nil = nil }",
            "{ .foo != nil }",
            "{ name != nil }");

    /** test_examples.yaml "valid" that Contrail refuses by name (arithmetic, parent., event:, link:, nested sets …). */
    private static final List<String> VALID_UNSUPPORTED = List.of(
            "{ -.a = 2 }",
            "{ event.foo = \"bar\" }",
            "{ link.foo = \"bar\" }",
            "{ instrumentation.foo = \"bar\" }",
            "{ event:name = \"exception\" }",
            "{ event:timeSinceStart > 1s }",
            "{ link:traceID = \"f1f1f1f1f1f1ff1f1f1f1f1f1f1f1f1\" }",
            "{ link:spanID = \"f1f1f1f1f1f1f1f1\" }",
            "{ 1 + 1 = 2 }",
            "{ 1 - 1 = 2 }",
            "{ 1 * 1 = 2 }",
            "{ 1 / 1 = 2 }",
            "{ 1 ^ 1 = 2 }",
            "{ .a + 1 = 2 }",
            "{ .a - 1 = 2 }",
            "{ .a * 1 = 2 }",
            "{ .a / 1 = 2 }",
            "{ .a ^ 1 = 2 }",
            "{ duration > 1s * 2s }",
            "{ duration < (10s * 20s) }",
            "{ 1 * 1h = 1 }",
            "{ 1 / 1.1 = 1 }",
            "{ true } | max(1 + .a) = 1",
            "{ true } | max((1 + .a) * 2) = 1",
            "{ true } | by(1 + .a) | coalesce()",
            "{ true } | by(1 + .a)",
            "{ true } | by(3 * .field - 2) | max(duration) < 1s",
            "min(span:childCount) < 2 / 6",
            "avg(.field) > 1 - 3",
            "{ nestedSetLeft > 3 }",
            "{ } >> { kind = server } | select(nestedSetLeft, nestedSetRight, nestedSetParent)");

    /**
     * test_examples.yaml "valid" metrics queries that compile: one first-stage metrics function, by(), second stages
     * (topk, bottomk, comparisons with a number), hints.
     */
    static final List<String> VALID_METRICS_COMPILED = List.of(
            "{} | rate()",
            "{} | count_over_time() by (name) with(sample=0.1)",
            "{} | min_over_time(duration) by (span.http.path)",
            "{} | max_over_time(duration) by (span.http.path)",
            "{} | avg_over_time(duration) by (span.http.path)",
            "{} | sum_over_time(duration) by (span.http.path)",
            "{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path)",
            "{} | rate() | topk(10)",
            "{} | rate() by (span.client_ip) | topk(10)",
            "{} | count_over_time() by (name) | topk(10) with(sample=0.1)",
            "{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path) | topk(10)",
            "{} | avg_over_time(duration) by (span:name) | topk(10)",
            "{} | rate() by (span.client_ip) | bottomk(10)",
            "{} | rate() | bottomk(10)",
            "{} | count_over_time() by (name) | bottomk(10) with(sample=0.1)",
            "{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path) | bottomk(10)",
            "{} | avg_over_time(duration) by (span:name) | bottomk(10)",
            "{} | rate() > 10",
            "{} | rate() by (span.client_ip) >= 5.5",
            "{} | count_over_time() by (name) < 100",
            "{} | rate() by (span.client_ip) <= 0.5",
            "{} | rate() = 42",
            "{} | rate() != 0",
            "{} | rate() > -3",
            "{} | rate() by (span.client_ip) > 10 with(sample=0.1)",
            "{} | rate() | topk(5) = 10",
            "{} | rate() | topk(5) != 10",
            "{} | rate() | topk(5) > 10",
            "{} | rate() | topk(5) >= 10",
            "{} | rate() | topk(5) < 10",
            "{} | rate() | topk(5) <= 10",
            "{} | rate() > 0 | topk(5) <= 10",
            "{} | rate() | topk(5) | bottomk (10) <= 10",
            "{} | rate() | topk(5) > 20 | bottomk (10) <= 10",
            "{} | count_over_time() | topk(10) = 0 with(sample=0.1)",
            "{} | count_over_time() | topk(10) != 0 with(sample=0.1)",
            "{} | count_over_time() | topk(10) >= 0 with(sample=0.1)",
            "{} | count_over_time() | topk(10) > 0 with(sample=0.1)",
            "{} | count_over_time() | topk(10) < 0 with(sample=0.1)",
            "{} | count_over_time() | topk(10) <= 0 with(sample=0.1)",
            "{} | rate() = 10 | topk(5)",
            "{} | rate() != 10 | topk(5)",
            "{} | rate() > 10 | topk(5)",
            "{} | rate() >= 10 | topk(5)",
            "{} | rate() < 10 | topk(5)",
            "{} | rate() <= 10 | topk(5)",
            "{} | rate() by (name) >= 5.5 | bottomk(3)",
            "{} | count_over_time() = 0 | topk(10) with(sample=0.1)",
            "{} | count_over_time() != 0 | topk(10) with(sample=0.1)",
            "{} | count_over_time() >= 0 | topk(10) with(sample=0.1)",
            "{} | count_over_time() > 0 | topk(10) with(sample=0.1)",
            "{} | count_over_time() < 0 | topk(10) with(sample=0.1)",
            "{} | count_over_time() <= 0 | topk(10) with(sample=0.1)");

    /**
     * test_examples.yaml "valid" metrics queries refused as unsupported: arithmetic on series (and comparisons with
     * arithmetic between numbers), compare().
     */
    private static final List<String> VALID_METRICS_UNSUPPORTED = List.of(
            "({} | rate()) > 10",
            "({} | max_over_time(duration)) > 30",
            "({} | max_over_time(duration)) > 10s",
            "({} | rate()) + ({} | rate())",
            "({} | rate()) + ({} | count_over_time())",
            "({} | rate()) - ({} | count_over_time())",
            "({} | rate()) / ({} | count_over_time())",
            "({} | rate()) * ({} | count_over_time())",
            "(({} | rate()) * ({} | count_over_time())) + ({} | rate())",
            "({} | rate()) + ({} | rate()) | topk(5)",
            "({} | rate()) + ({} | rate()) > 10",
            "({} | rate()) + ({} | rate()) | topk(5) > 10",
            "({} | rate()) * 100",
            "({} | rate()) / 1000",
            "({} | rate()) + 5",
            "({} | rate()) - 5",
            "100 * ({} | rate())",
            "1 / ({} | rate())",
            "5 + ({} | rate())",
            "1 - ({} | rate())",
            "1 + 2 + ({} | rate())",
            "3 * 2 + ({} | rate())",
            "3 / 2 + ({} | rate())",
            "3 - 2 + ({} | rate())",
            "3 * 2 - ({} | rate())",
            "3 * 2 * ({} | rate())",
            "3 * 2 / ({} | rate())",
            "({} | rate()) + 1 + 2",
            "({} | rate()) + 3 * 2",
            "({} | rate()) + 3 / 2",
            "({} | rate()) + 3 - 2",
            "({} | rate()) - 3 * 2",
            "({} | rate()) * 3 * 2",
            "({} | rate()) / 3 * 2",
            "(1 + 2) + ({} | rate())",
            "(1 - 2) + ({} | rate())",
            "(1 / 2) + ({} | rate())",
            "(1 * 2) + ({} | rate())",
            "({} | rate()) * -100",
            "({} | rate()) / -1000",
            "({} | rate()) + -5",
            "({} | rate()) - -5",
            "-100 * ({} | rate())",
            "-1 / ({} | rate())",
            "-5 + ({} | rate())",
            "-1 - ({} | rate())",
            "({} | rate()) * 1.5",
            "({} | rate()) / 1.5",
            "({} | rate()) + 1.5",
            "({} | rate()) - 1.5",
            "-1.5 * ({} | rate())",
            "-1.5 / ({} | rate())",
            "-5.5 + ({} | rate())",
            "-1.5 - ({} | rate())",
            "(60 * ({} | rate())) / ({} | count_over_time())",
            "({} | rate()) * 100 > 5",
            "({} | rate() > 6) * 100 > 5",
            "({} | rate()) * 10 - 1",
            "({} | rate()) * 10 + 5 > 50 | topk(1)",
            "({} | count_over_time() by(.service.name)) * 100",
            "({} | rate()) > 1 / 2",
            "({} | rate()) >= 100 * 3",
            "({} | rate()) < 1 + 2",
            "({} | rate()) <= 1 - 2",
            "({} | rate()) - 2 * 20",
            "({} | rate()) + 100 / 3",
            "-2 - 20 / ({} | rate())",
            "100 / 3 + ({} | rate())",
            "5 + ({} | rate()) * 10",
            "(({} | rate()) * 100) + ({} | count_over_time())",
            "(100 * ({} | rate())) - (200 * ({} | rate()))");

    /** test_examples.yaml "parse_fails", but those with metrics functions. */
    private static final List<String> PARSE_FAILS = List.of(
            "true",
            "[ true ]",
            "( true )",
            "{ . }",
            "{ < }",
            "{ .a < }",
            "{ .a < 3",
            "{ (.a < 3 }",
            "{ attribute = 4 }",
            "{ .attribute == 4 }",
            "{ span. }",
            "{ true } + { true }",
            "{ true } - { true }",
            "{ true } * { true }",
            "{ true } / { true }",
            "{ true } ^ { true }",
            "{ true } = { true }",
            "{ true } <= { true }",
            "{ true } >= { true }",
            "max(name) = \"foo\"",
            "avg(\"foo\") = \"bar\"",
            "max(status) = ok",
            "max(kind) = consumer",
            "max(duration) < ok",
            "min(1) = \"foo\"",
            "min(parent) = nil",
            "avg(span:childCount) > \"foo\"",
            "avg(.field) + 1",
            "sum(3) - 2",
            "min(span:childCount) && 2",
            "select(.a",
            "select()",
            "select(1 + \"string\")",
            "coalesce() | { true }",
            "count() > 3 && { true }",
            "{ true } | count()",
            "{ true } | notAnAggregate() = 1",
            "{ true } | count = 1",
            "{ true } | max() = 1",
            "{ true } | by()",
            "({ true }) + (count()) = 1",
            "({ true }) && (count())",
            "({ true } | count()) && ({ true } | count()) = 1",
            "({ true }) + ({ true }) = 1",
            "({ true } | count()) + ({ true } | count())",
            "2 * 3",
            "2 + 3",
            "2 - 3",
            "2 / 3",
            "3 = 2",
            "{ .foo = \"a\" } | 3 > 2",
            "(by(namespace) | count()) > 2 * 2",
            "(by(namespace) | count()) * 2 > 2",
            "2 < (by(namespace) | count())",
            "{ trace:status = error }",
            "{ trace:kind = server }",
            "{ trace:name = \"a\" }",
            "{ trace:rootServiceName = \"a\" }",
            "{ span:rootName = \"bar\" }",
            "{} > 10",
            "{} == 10",
            "({}) + ({})");

    /**
     * test_examples.yaml "parse_fails", a sample of its 25 with metrics functions: Contrail refuses any query with a
     * metrics function as unsupported before judging the rest of its syntax.
     */
    private static final List<String> PARSE_FAILS_WITH_METRICS = List.of(
            "{} | rate() == 42",
            "({} | rate()) + 5 100",
            "{} | bottomk(10) with(sample=0.1)",
            "({} | rate()) % ({} | count_over_time())",
            "({} | rate()) << ({} | count_over_time())",
            "({} | rate()) > (10s + 5s)");

    /** test_examples.yaml "validate_fails" that Contrail refuses as Tempo's validate() does. */
    private static final List<String> VALIDATE_FAILS = List.of(
            "{ \"foo\" = span:childCount }",
            "{ status }",
            "{ kind }",
            "{ ok }",
            "{ 1.1 }",
            "{ 1h }",
            "{ \"foo\" }",
            "{ 1 + \"foo\" = 1 }",
            "{ 1 - true = 1 }",
            "{ 1 / ok = 1 }",
            "{ 1 ^ name = 1 }",
            "{ 1 = \"foo\" }",
            "{ 1 != true }",
            "{ 1 > ok }",
            "{ 1 = name }",
            "{ 1 =~ 2}",
            "{ 1 !~ 2}",
            "{ 1 && \"foo\" }",
            "{ 1 || ok }",
            "{ true || 1.1 }",
            "{ status > ok }",
            "{ kind < consumer }",
            "{ traceDuration > \"test\" }",
            "{ rootServiceName = 1 }",
            "{ rootName != 3.2 }",
            "{ span:status = nil }",
            "{ nil = span:status }",
            "{ resource.service.name = nil }",
            "{ nil = resource.service.name }",
            "{ -true }",
            "{ -\"foo\" = \"bar\" }",
            "{ -ok = status }",
            "{ -name = \"foo\" }",
            "{ !\"foo\" = \"bar\" }",
            "{ !ok = status }",
            "{ !consumer = kind }",
            "{ !name = \"foo\" }",
            "{ !1 = 1 }",
            "{ !1h = 1 }",
            "{ !1.1 = 1.1 }",
            "min(1 = 3) = 1",
            "sum(3) = 2",
            "sum(3) = min(14)",
            "min(2h) < max(duration)",
            "min(3) = max(duration)",
            "min(1) = max(2) + 3",
            "{ true } | by(1)",
            "{ true } | by(\"foo\")",
            // Its metrics ones with a second stage Contrail compiles: a limit of 0 (TopKBottomK.validate).
            "{} | rate() | topk(0)",
            "{} | rate() | topk(0) with(sample=0.1)",
            "{} | rate() | bottomk(0)",
            "{} | rate() | bottomk(0) with(sample=0.1)");

    /** test_examples.yaml "validate_fails" on constructs Contrail does not compile: refused as unsupported. */
    private static final List<String> VALIDATE_FAILS_UNSUPPORTED = List.of(
            "{ 1 + 1 }",
            "min(1.1 - 3) > 1",
            "max(1h + 2h) > 1",
            "{ nestedSetLeft = \"foo\" }",
            "{ nestedSetRight = false }",
            "{ nestedSetParent > \"foo\" }");

    @Test
    void everyValidSearchQueryOfTempoCompilesOrIsRefusedAsUnsupported() {
        List<String> failed = new ArrayList<>();
        int compiled = 0;
        for (String query : VALID_COMPILED) {
            try {
                TraceQl.compile(query, Map.of("attr.a", "BIGINT", "resource.a", "VARCHAR", "attr.foo", "VARCHAR"));
                compiled++;
            } catch (TraceQlException e) {
                failed.add(query + " -> " + e.getMessage());
            }
        }
        assertThat(failed).isEmpty();
        assertThat(compiled).isEqualTo(129);
    }

    @Test
    void everyValidMetricsQueryOfTempoCompilesOrIsRefusedAsUnsupported() {
        for (String query : VALID_METRICS_COMPILED) {
            assertThat(TraceQl.compile(query, Map.of("attr.http.path", "VARCHAR")).isMetrics()).as(query).isTrue();
        }
        // All 124 of the yaml's valid metrics queries are in one list or the other.
        assertThat(VALID_METRICS_COMPILED.size() + VALID_METRICS_UNSUPPORTED.size()).isEqualTo(124);
        assertThat(VALID_METRICS_COMPILED).hasSize(53);
    }

    @Test
    void validQueriesWithConstructsNotCompiledAreRefusedByName() {
        for (String query : concat(VALID_UNSUPPORTED, VALID_METRICS_UNSUPPORTED, PARSE_FAILS_WITH_METRICS,
                VALIDATE_FAILS_UNSUPPORTED)) {
            assertThatThrownBy(() -> TraceQl.check(query)).as(query).isInstanceOfSatisfying(TraceQlException.class,
                    e -> {
                        assertThat(e.reason()).as(query).isEqualTo(TraceQlException.Reason.UNSUPPORTED);
                        assertThat(e.getMessage()).as(query).matches(
                                "unsupported TraceQL at line \\d+, col \\d+: .+ is not supported");
                    });
        }
        assertThat(VALID_UNSUPPORTED).hasSize(31);
    }

    @Test
    void everyQueryTempoFailsToParseFailsToParse() {
        for (String query : PARSE_FAILS) {
            assertThatThrownBy(() -> TraceQl.check(query)).as(query).isInstanceOfSatisfying(TraceQlException.class,
                    e -> {
                        assertThat(e.reason()).as(query).isEqualTo(TraceQlException.Reason.PARSE_ERROR);
                        assertThat(e.getMessage()).as(query).startsWith("parse error at line ");
                    });
        }
        assertThat(PARSE_FAILS).hasSize(62);
    }

    @Test
    void queriesTempoFailsToValidateAreRefusedAsInvalid() {
        for (String query : VALIDATE_FAILS) {
            assertThatThrownBy(() -> TraceQl.check(query)).as(query).isInstanceOfSatisfying(TraceQlException.class,
                    e -> {
                        assertThat(e.reason()).as(query).isEqualTo(TraceQlException.Reason.INVALID);
                        assertThat(e.getMessage()).as(query).startsWith("invalid TraceQL at line 1, col ");
                    });
        }
        assertThat(VALIDATE_FAILS).hasSize(52);
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }
}
