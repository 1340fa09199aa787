/**
 * TraceQL, Grafana Tempo's trace query language, compiled to DuckDB SQL over the {@code spans} view.
 *
 * <p>Entry points: {@link io.contrail.query.traceql.TraceQl#compile} (query + the view's columns → SQL with bound
 * parameters), {@link io.contrail.query.traceql.TraceQl#check} (refuse a bad query without a store), and
 * {@code io.contrail.query.TraceQueries#searchTraceQl}, which runs a search and answers
 * {@link io.contrail.query.traceql.TraceQlResults}, and {@code TraceQueries#metricsTraceQl}, which runs a metrics query
 * and answers {@link io.contrail.query.traceql.TraceQlMetrics.SeriesSet}. Errors are {@link io.contrail.query.traceql.TraceQlException}:
 * {@code PARSE_ERROR}, {@code INVALID} (Tempo's {@code validate()} would refuse it) or {@code UNSUPPORTED}, each with
 * line and column; all three are the client's to fix (a 400).
 *
 * <h2>Where each rule comes from (grafana/tempo at ad33aa8)</h2>
 * <ul>
 *   <li>Grammar, precedence, tokens: {@code pkg/traceql/expr.y} and {@code pkg/traceql/lexer.go}
 *       ({@code src/main/antlr4/.../TraceQLParser.g4} and {@code TraceQLLexer.g4} say how they differ).</li>
 *   <li>Validation (kinds the query alone fixes must fit; filters are conditions; a regex is a string literal;
 *       aggregates and {@code by} read the span; intrinsics are never nil): {@code pkg/traceql/ast_validate.go}. A
 *       regex that does not compile is refused by DuckDB's RE2 (Tempo's syntax) when the search runs, as a
 *       {@code QueryException}, not at compile time.</li>
 *   <li>Comparison semantics (operands of kinds that do not match are false, not an error; which operators a kind
 *       has): {@code pkg/traceql/ast_execute.go} {@code BinaryOperation.execute}, {@code enum_statics.go}
 *       {@code isMatchingOperand}, {@code enum_operators.go} {@code binaryTypesValid}.</li>
 *   <li>Regex as a whole-value match: {@code pkg/regexp/regexp.go} (Prometheus' anchored {@code FastRegexMatcher}).</li>
 *   <li>Unscoped attributes: the span attribute, else the resource attribute ({@code Span.AttributeFor} in Tempo's
 *       storage).</li>
 *   <li>Spanset operators, structural, union structural and experimental "not" operators:
 *       {@code docs/sources/tempo/traceql/construct-traceql-queries.md}, "Combine spansets using operators".</li>
 *   <li>Aggregates, {@code by}, {@code coalesce}, {@code select}: {@code pkg/traceql/ast.go} and the same doc,
 *       "Aggregators", "Grouping", "Selection".</li>
 *   <li>Metrics: {@code pkg/traceql/ast_metrics.go} ({@code MetricsAggregate.init}, {@code bucketizeFnFor},
 *       {@code TopKBottomK}, {@code MetricsFilter}) and {@code pkg/traceql/engine_metrics.go}
 *       ({@code IntervalMapperQueryRange}, {@code GroupingAggregator.labelsFor}, {@code processTopK},
 *       {@code Log2Bucketize}, {@code HistogramAggregator.Results}); see {@link io.contrail.query.traceql.TraceQlMetrics}.</li>
 *   <li>Conformance cases: {@code pkg/traceql/test_examples.yaml} and
 *       {@code tempodb/encoding/vparquet4/block_traceql_test.go} {@code TestBackendBlockSearchTraceQL} (see the tests).</li>
 * </ul>
 *
 * <h2>Supported</h2>
 * <ul>
 *   <li>Spanset filters {@code { ... }}, the empty filter {@code {}}, {@code { true }}.</li>
 *   <li>Intrinsics: {@code name}, {@code status} ({@code error ok unset}), {@code statusMessage}, {@code kind}
 *       ({@code unspecified internal server client producer consumer}), {@code duration}, {@code rootName},
 *       {@code rootServiceName}, {@code traceDuration}; {@code span:name span:status span:statusMessage span:kind
 *       span:duration span:id span:parentID span:childCount} (children within the searched window);
 *       {@code trace:rootName trace:rootService trace:duration trace:id};
 *       {@code instrumentation:name instrumentation:version}.</li>
 *   <li>Attributes {@code span.x}, {@code resource.x}, unscoped {@code .x}, with quoted parts
 *       ({@code span."foo bar"}), over typed columns and the overflow maps; array attributes ({@code BIGINT[]},
 *       {@code DOUBLE[]}, {@code VARCHAR[]}, {@code BOOLEAN[]} columns) element by element, as Tempo's
 *       {@code ast_execute.go}: {@code != !~} must hold for every element, the other operators for one.</li>
 *   <li>{@code = != > >= < <=} on strings, integers, floats, durations ({@code 100ms 1.5s 1h30m 2d}), booleans;
 *       {@code = !=} on status and kind; {@code =~ !~}; {@code x != nil}, {@code x = nil}; {@code && || !} and
 *       parentheses; negative number literals; {@code minInt maxInt}.</li>
 *   <li>Between spansets: {@code && ||}; {@code > < >> << ~}; {@code !> !< !>> !<< !~}; {@code &> &< &>> &<< &~};
 *       parenthesised pipelines combined by these ({@code ({a} | count() > 1) && ({b})}).</li>
 *   <li>Pipelines: {@code | {...}}, {@code | count() op N}, {@code | avg|min|max|sum(field) op N} (also with the
 *       aggregate on the right, or two aggregates), {@code | by(field)}, {@code | coalesce()},
 *       {@code | select(attributes...)}.</li>
 *   <li>Metrics: a pipeline followed by {@code rate() count_over_time() min_over_time(x) max_over_time(x)
 *       avg_over_time(x) sum_over_time(x) quantile_over_time(x, q...) histogram_over_time(x)}, an optional
 *       {@code by(...)}, then {@code | topk(n)}, {@code | bottomk(n)} and comparisons with a number or duration in
 *       any order, and hints {@code with(...)} (read, not interpreted).</li>
 * </ul>
 *
 * <h2>Refused as {@code UNSUPPORTED}, by name</h2>
 * <ul>
 *   <li>Of metrics queries: {@code compare()}, arithmetic on series ({@code ({a} | rate()) / ({b} | rate())},
 *       {@code ({} | rate()) * 100}) and comparisons with arithmetic ({@code > 1 / 2}). Query hints {@code with(...)}
 *       on a search.</li>
 *   <li>Arithmetic ({@code + - * / % ^}) in filters and between aggregates, and unary minus of a field.</li>
 *   <li>{@code parent.}, {@code event.}, {@code link.}, {@code instrumentation.} attributes; the intrinsics
 *       {@code parent}, {@code event:name}, {@code event:timeSinceStart},
 *       {@code link:traceID}, {@code link:spanID}, {@code nestedSetLeft/Right/Parent}.</li>
 *   <li>Attribute columns of other types (a {@code JSON} or {@code MAP} column: none is written today).</li>
 *   <li>A comparison between two pipelines' aggregates ({@code ({a} | count()) > ({b} | count())}).</li>
 * </ul>
 *
 * <h2>Known differences from Tempo</h2>
 * <ul>
 *   <li>Aggregates compared with each other ({@code min(.a) < max(duration)}) compile here; Tempo refuses them as
 *       unsupported.</li>
 *   <li>A trace's root, start and duration ({@code trace:rootName}, {@code trace:duration}, and those the answer
 *       shows) are computed over its spans within the searched window.</li>
 *   <li>A text attribute column (a key whose values had mixed types, see {@code docs/schema.md}) compared with a
 *       number or boolean matches the values that read as one.</li>
 *   <li>The experimental "not" structural operators are exact here (Tempo documents false positives).</li>
 *   <li>Metrics quantiles are exact weighted quantiles of the values (Tempo interpolates between power-of-two
 *       buckets); every metric counts spans with their {@code sample_weight}; no exemplars.</li>
 * </ul>
 */
package io.contrail.query.traceql;
