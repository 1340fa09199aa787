package io.contrail.query.traceql;

import io.contrail.columnar.SpanSchema;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a parsed TraceQL query into {@link CompiledTraceQl}: a spanset is a common table expression whose rows are
 * the spans in it; a spanset filter a WHERE over its input; spanset operators joins between two of them by trace and
 * parent span ID; aggregates window functions over a trace's spanset. Where each rule comes from in Tempo is noted
 * beside it (files of grafana/tempo's pkg/traceql and docs/sources/tempo/traceql/construct-traceql-queries.md).
 *
 * <p>One compiler compiles one query: it collects stages, outputs and group labels as it goes.
 */
final class TraceQlCompiler {

    /** The window's spans with their trace's root, start and duration: the input of a query's first stage. */
    static final String ALL_SPANS = "traceql_spans";
    /** Every (span, ancestor) pair, for {@code >>} and {@code <<}. */
    static final String ANCESTORS = "traceql_ancestors";

    /** A value's kind, as Tempo's StaticType (enum_statics.go) has them. */
    enum Type {
        STRING, INT, FLOAT, DURATION, BOOLEAN, STATUS, KIND;

        boolean numeric() {
            return this == INT || this == FLOAT || this == DURATION;
        }
    }

    /**
     * One place a field's value may be: a column (null when the span has none there) or a literal.
     *
     * @param text  a VARCHAR attribute column: it also holds the text of keys whose values are of mixed types
     *              (docs/schema.md), so it is compared with a number or boolean by reading it as one
     * @param array a list column ({@code BIGINT[]} …) of values of {@code type}
     */
    record Candidate(Sql sql, Type type, boolean text, boolean array) {

        Candidate(Sql sql, Type type, boolean text) {
            this(sql, type, text, false);
        }
    }

    /**
     * A field's value: the first of its candidates that is not null, none being nil. An unscoped attribute is the span
     * attribute, else the resource attribute (Tempo's Span.AttributeFor reads them in that order).
     *
     * @param implied   the kind the query alone gives it (Tempo's impliedType), null for an attribute, whose kind
     *                  is known only from the data, and for nil
     * @param spanField whether it reads the span (an attribute or intrinsic, or an expression over one), not only
     *                  literals
     * @param definite  a condition that is never null, only true or false ({@link #condition(Sql)})
     */
    record Value(List<Candidate> candidates, Type implied, boolean spanField, boolean definite) {

        static final Value NIL = new Value(List.of(), null, false);

        Value(List<Candidate> candidates, Type implied, boolean spanField) {
            this(candidates, implied, spanField, false);
        }

        /** A literal. */
        static Value of(Sql sql, Type type) {
            return new Value(List.of(new Candidate(sql, type, false)), type, false);
        }

        /** A condition: SQL that is true or false, never null, whatever the span holds. */
        static Value condition(Sql sql) {
            return new Value(List.of(new Candidate(sql, Type.BOOLEAN, false)), Type.BOOLEAN, true, true);
        }

        static Value attribute(List<Candidate> candidates) {
            return new Value(candidates, null, true);
        }

        Value fromSpan() {
            return new Value(candidates, implied, true, definite);
        }
    }

    private record Column(String name, String type) {
    }

    private final Map<String, Column> columnsByFoldedName = new HashMap<>();
    private final List<Sql> stages = new ArrayList<>();
    /** The condition of each stage that is a spanset filter over every span, by the stage's name. */
    private final Map<String, Sql> filtersOfEverySpan = new HashMap<>();
    private final Map<String, Sql> outputs = new LinkedHashMap<>();
    /** The attribute and overflow columns the query reads, quoted: the search reads these and the fixed ones. */
    private final java.util.Set<String> attributeColumns = new java.util.LinkedHashSet<>();
    private List<String> groupLabels = new ArrayList<>();
    private boolean needsAncestors;
    private boolean needsChildCount;
    /** The metrics function of a metrics query; null for a search. */
    private TraceQlMetrics metricsFunction;

    TraceQlCompiler(Map<String, String> spanColumnTypes) {
        spanColumnTypes.forEach((name, type) ->
                columnsByFoldedName.putIfAbsent(SpanSchema.foldedColumnName(name), new Column(name, type)));
    }

    CompiledTraceQl compile(TraceQLParser.RootContext root) {
        String last;
        if (root instanceof TraceQLParser.PipelineRootContext pipeline) {
            last = pipeline(pipeline.spansetPipeline(), ALL_SPANS);
        } else if (root instanceof TraceQLParser.PipelineExpressionRootContext expression) {
            last = pipelineExpression(expression.spansetPipelineExpression());
        } else if (root instanceof TraceQLParser.MetricsRootContext metrics) {
            last = pipeline(metrics.spansetPipeline(), ALL_SPANS);
            metricsFunction = metrics(metrics.metricsAggregation(), metrics.metricsSecondStage());
        } else if (root instanceof TraceQLParser.UnsupportedMetricsRootContext metrics) {
            throw unsupportedMetrics(metrics);
        } else if (root instanceof TraceQLParser.HintsRootContext hints) {
            throw unsupported(hints.WITH().getSymbol(), "query hints with(...)");
        } else {
            throw unsupported(root, "comparing the aggregates of two pipelines ((...| count()) > (... | count()))");
        }
        if (last.equals(ALL_SPANS)) {
            last = filter(ALL_SPANS, Sql.TRUE);
        }
        return new CompiledTraceQl(stages, needsAncestors, needsChildCount, outputs, groupLabels,
                List.copyOf(attributeColumns), metricsFunction, stages.size() == 1 ? filtersOfEverySpan.get(last) : null);
    }

    // ---- Metrics (expr.y: metricsAggregation; ast_metrics.go MetricsAggregate, engine_metrics.go) ----

    /** The first-stage metrics function of a metrics query, and its by(). */
    private TraceQlMetrics metrics(TraceQLParser.MetricsAggregationContext ctx,
                                   List<TraceQLParser.MetricsSecondStageContext> secondStages) {
        TraceQlMetrics.Function function = TraceQlMetrics.Function.named(ctx.fn.getText());
        Sql value = null;
        if (ctx.attribute() != null) {
            Value field = attribute(ctx.attribute());
            if (field.implied() != null && !field.implied().numeric()) {
                throw invalid(ctx.attribute(), ctx.fn.getText() + "() needs a number: " + ctx.attribute().getText()
                        + " is not one");
            }
            value = function == TraceQlMetrics.Function.HISTOGRAM_OVER_TIME ? histogramBucket(field) : metricValue(field);
        }
        List<Double> quantiles = new ArrayList<>();
        if (ctx.quantiles.size() > TraceQlMetrics.MAX_QUANTILES) {
            throw invalid(ctx, "quantile_over_time() takes at most " + TraceQlMetrics.MAX_QUANTILES + " quantiles, not "
                    + ctx.quantiles.size());
        }
        for (Token q : ctx.quantiles) {
            double quantile = Double.parseDouble(q.getText());
            if (quantile < 0 || quantile > 1) {
                throw invalid(ctx, "quantile_over_time() takes quantiles between 0 and 1, not " + q.getText());
            }
            quantiles.add(quantile);
        }
        List<TraceQlMetrics.By> by = new ArrayList<>();
        if (ctx.metricsBy() != null) {
            for (TraceQLParser.AttributeContext attribute : ctx.metricsBy().attribute()) {
                Value field = attribute(attribute);
                by.add(new TraceQlMetrics.By(labelName(attribute), labelText(field), labelKind(field)));
            }
        }
        List<TraceQlMetrics.SecondStage> stages = new ArrayList<>();
        for (TraceQLParser.MetricsSecondStageContext stage : secondStages) {
            if (stage instanceof TraceQLParser.TopKStageContext topK) {
                long limit;
                try {
                    limit = Long.parseLong(topK.INTEGER().getText());
                } catch (NumberFormatException e) {
                    throw invalid(topK, "limit out of range: " + topK.INTEGER().getText());
                }
                if (limit <= 0) {
                    // ast_metrics.go TopKBottomK.validate: errInvalidLimit.
                    throw invalid(topK, "limit must be greater than 0");
                }
                stages.add(new TraceQlMetrics.TopK(topK.fn.getType() == TraceQLParser.TOPK, limit));
            } else {
                var filter = (TraceQLParser.MetricsFilterStageContext) stage;
                Candidate number = number(filter.scalar().getStop());
                double v = ((Number) number.sql().parameters().get(0)).doubleValue();
                // newMetricsFilterFromStatic: a duration compares in seconds, as metrics give durations.
                v = number.type() == Type.DURATION ? v / 1e9 : v;
                stages.add(new TraceQlMetrics.Filter(filter.op.getText(), filter.scalar().SUB() == null ? v : -v));
            }
        }
        return new TraceQlMetrics(function, value, quantiles, by, stages);
    }

    /**
     * A by() field's label as Tempo names it ({@code Attribute.String()}): an intrinsic by its canonical name, which a
     * scoped form resolves to in expr.y ({@code span:name} is {@code name}, {@code trace:rootService} is
     * {@code rootServiceName}), an attribute by its scope and unquoted name.
     */
    private static String labelName(TraceQLParser.AttributeContext ctx) {
        if (ctx instanceof TraceQLParser.ScopedAttributeContext scoped) {
            String scope = scoped.scope.getText();
            return scope + attributeName(scoped.ATTRIBUTE_NAME().getSymbol());
        }
        return switch (ctx.getText()) {
            case "trace:duration" -> "traceDuration";
            case "trace:rootName" -> "rootName";
            case "trace:rootService" -> "rootServiceName";
            case "span:duration" -> "duration";
            case "span:name" -> "name";
            case "span:kind" -> "kind";
            case "span:status" -> "status";
            case "span:statusMessage" -> "statusMessage";
            default -> ctx.getText();
        };
    }

    /** What a metrics query Contrail does not compile uses, named: the first construct after its metrics function. */
    private static TraceQlException unsupportedMetrics(TraceQLParser.UnsupportedMetricsRootContext ctx) {
        Token function = ctx.metricsFunction().getStart();
        if (function.getType() == TraceQLParser.COMPARE) {
            return unsupported(function, "compare()");
        }
        for (int i = 0; i < ctx.getChildCount(); i++) {
            if (ctx.getChild(i) instanceof org.antlr.v4.runtime.tree.TerminalNode node
                    && node.getSymbol().getType() == TraceQLParser.COMPARE) {
                return unsupported(node.getSymbol(), "compare()");
            }
        }
        return unsupported(function, "this form of " + function.getText() + "() (" + TraceQlMetrics.SUPPORTED_FORM + ")");
    }

    /**
     * A field as the number a metrics function reads (Tempo's FloatizeAttribute; a span's duration in seconds, as
     * NewOverTimeAggregator reads it, and so any duration here); null where it is none.
     */
    private static Sql metricValue(Value value) {
        return eachCandidate(value, c -> c.array() ? Sql.of("NULL::DOUBLE")
                : c.type() == Type.DURATION ? Sql.concat("(", c.sql(), ") / 1e9")
                : c.type().numeric() ? Sql.concat("(", c.sql(), ")::DOUBLE")
                : c.text() ? Sql.concat("TRY_CAST(", c.sql(), " AS DOUBLE)") : Sql.of("NULL::DOUBLE"), true);
    }

    /**
     * A field's histogram bucket (ast_metrics.go bucketizeFnFor): an integer or duration of at least 2 rounded up to
     * a power of two (Log2Bucketize), a duration's in seconds; null for anything else (Tempo has no float buckets).
     */
    private static Sql histogramBucket(Value value) {
        return eachCandidate(value, c -> c.array() ? Sql.of("NULL::DOUBLE")
                : c.type() == Type.DURATION ? Sql.concat("(", log2Bucket(c.sql()), ") / 1e9")
                : c.type() == Type.INT ? Sql.concat("(", log2Bucket(c.sql()), ")::DOUBLE")
                : c.text() ? Sql.concat("(", log2Bucket(Sql.concat("TRY_CAST(", c.sql(), " AS BIGINT)")), ")::DOUBLE")
                : Sql.of("NULL::DOUBLE"));
    }

    /**
     * The least power of two at or above {@code x} (a BIGINT), null below 2: from the double logarithm, corrected by
     * one step either way where its rounding is off (exact up to 2^62).
     */
    private static Sql log2Bucket(Sql x) {
        Sql guess = Sql.concat("(2::BIGINT ** ceil(log2(greatest(", x, ", 2)::DOUBLE)))::BIGINT");
        return Sql.concat("CASE WHEN ", x, " < 2 OR ", x, " > 4611686018427387904 THEN NULL WHEN ", guess, " // 2 >= ",
                x, " THEN ", guess, " // 2 WHEN ", guess, " < ", x, " THEN ", guess, " * 2 ELSE ", guess, " END");
    }

    /** A by() field's value as a label's text: status and kind as TraceQL spells them ({@code error}, {@code server}). */
    private static Sql labelText(Value value) {
        return eachCandidate(value, c -> c.type() == Type.STATUS || c.type() == Type.KIND
                ? Sql.concat("lower(", c.sql(), ")") : Sql.concat("(", c.sql(), ")::VARCHAR"), true);
    }

    /**
     * The kind of a by() field's value ({@link TraceQlMetrics.LabelKind}'s names), null for nil when it has several
     * candidates; the kind of a nil value is not read.
     */
    private static Sql labelKind(Value value) {
        return eachCandidate(value, c -> Sql.of("'" + (c.array() || c.text() ? TraceQlMetrics.LabelKind.STRING
                : TraceQlMetrics.LabelKind.of(c.type())).name() + "'"), true);
    }

    private interface CandidateValue {
        Sql of(Candidate candidate);
    }

    /** {@code each} of the first candidate that is not null; null when all are. */
    private static Sql eachCandidate(Value value, CandidateValue each) {
        return eachCandidate(value, each, false);
    }

    /**
     * {@link #eachCandidate(Value, CandidateValue)}; with {@code bareSingle}, of a single candidate {@code each} alone,
     * without a {@code CASE}, for an {@code each} whose value for a null is null (a cast, arithmetic) or is never read
     * (a by() label's kind, read only beside a value): DuckDB groups the 71,676 failed spans of the 10M-span bench
     * by their service in 105 ms, and in 124 ms by {@code CASE WHEN service IS NOT NULL THEN …}.
     */
    private static Sql eachCandidate(Value value, CandidateValue each, boolean bareSingle) {
        if (value.candidates().isEmpty()) {
            return Sql.of("NULL");
        }
        if (bareSingle && value.candidates().size() == 1) {
            return each.of(value.candidates().get(0));
        }
        List<Object> pieces = new ArrayList<>(List.of("CASE"));
        for (Candidate c : value.candidates()) {
            pieces.add(Sql.concat(" WHEN ", c.sql(), " IS NOT NULL THEN ", each.of(c)));
        }
        pieces.add(" END");
        return Sql.concat(pieces.toArray());
    }

    private String stage(Sql sql) {
        stages.add(sql);
        return CompiledTraceQl.stageName(stages.size() - 1);
    }

    // ---- Spansets (expr.y: spansetPipelineExpression, spansetPipeline, spansetExpression) ----

    private String pipelineExpression(TraceQLParser.SpansetPipelineExpressionContext ctx) {
        if (ctx instanceof TraceQLParser.ParenPipelineExpressionContext paren) {
            return pipelineExpression(paren.spansetPipelineExpression());
        }
        if (ctx instanceof TraceQLParser.WrappedSpansetPipelineContext wrapped) {
            return pipeline(wrapped.spansetPipeline(), ALL_SPANS);
        }
        var binary = (TraceQLParser.BinaryPipelineExpressionContext) ctx;
        return spansetOperation(binary.spansetOperator(), pipelineExpression(binary.spansetPipelineExpression(0)),
                pipelineExpression(binary.spansetPipelineExpression(1)));
    }

    /** The stages of a pipeline over {@code input}; the last one's name. */
    private String pipeline(TraceQLParser.SpansetPipelineContext ctx, String input) {
        String current = input;
        current = pipelineElement(ctx.pipelineElement(), current);
        for (TraceQLParser.PipelineStageContext stage : ctx.pipelineStage()) {
            if (stage.coalesceOperation() != null) {
                // Tempo's CoalesceOperation: a trace's spansets back into one.
                groupLabels = new ArrayList<>();
                current = stage(Sql.of("SELECT * REPLACE ([]::VARCHAR[] AS traceql_group) FROM " + current));
            } else {
                current = pipelineElement(stage.pipelineElement(), current);
            }
        }
        return current;
    }

    private String pipelineElement(TraceQLParser.PipelineElementContext ctx, String input) {
        if (ctx instanceof TraceQLParser.SpansetElementContext spanset) {
            return spansetExpression(spanset.spansetExpression(), input);
        }
        if (ctx instanceof TraceQLParser.ScalarFilterElementContext scalar) {
            return scalarFilter(scalar.scalarFilter(), input);
        }
        if (ctx instanceof TraceQLParser.GroupOperationContext by) {
            // Tempo's GroupOperation (ast.go): spans of a spanset with the same value of the field form a spanset.
            Value field = field(by.fieldExpression());
            if (!field.spanField()) {
                throw invalid(by, "grouping field expressions must reference the span");
            }
            Sql value = text(field);
            groupLabels.add(by.fieldExpression().getText());
            return stage(Sql.concat("SELECT * REPLACE (list_append(traceql_group, ", value,
                    ") AS traceql_group) FROM " + input));
        }
        var select = (TraceQLParser.SelectOperationContext) ctx;
        for (TraceQLParser.AttributeContext attribute : select.attribute()) {
            output(attribute.getText(), attribute(attribute));
        }
        return input;
    }

    private String spansetExpression(TraceQLParser.SpansetExpressionContext ctx, String input) {
        if (ctx instanceof TraceQLParser.ParenSpansetExpressionContext paren) {
            return spansetExpression(paren.spansetExpression(), input);
        }
        if (ctx instanceof TraceQLParser.BinarySpansetExpressionContext binary) {
            return spansetOperation(binary.spansetOperator(), spansetExpression(binary.spansetExpression(0), input),
                    spansetExpression(binary.spansetExpression(1), input));
        }
        TraceQLParser.SpansetFilterContext filter = ((TraceQLParser.FilterSpansetExpressionContext) ctx).spansetFilter();
        if (filter.fieldExpression() == null) {
            // {}: every span (expr.y: newSpansetFilter(NewStaticBool(true))).
            return filter(input, Sql.TRUE);
        }
        Value value = field(filter.fieldExpression());
        if (value.implied() != null && value.implied() != Type.BOOLEAN) {
            throw invalid(filter, "span filter field expressions must resolve to a boolean");
        }
        return filter(input, condition(value));
    }

    /** A stage of the spans of {@code input} where {@code condition} holds. */
    private String filter(String input, Sql condition) {
        String stage = stage(condition == Sql.TRUE ? Sql.of("SELECT * FROM " + input)
                : Sql.concat("SELECT * FROM " + input + " WHERE ", condition));
        if (input.equals(ALL_SPANS)) {
            filtersOfEverySpan.put(stage, condition);
        }
        return stage;
    }

    /**
     * {@code left op right} between two spansets. Logical operators keep the spans of both sides of traces where
     * they hold; structural ones the right side's spans that stand in the relation to a left side's span, and the
     * union structural ones both sides' spans that do (construct-traceql-queries.md, "Combine spansets").
     */
    private String spansetOperation(TraceQLParser.SpansetOperatorContext operator, String left, String right) {
        String notInLeft = " AND NOT EXISTS (SELECT 1 FROM " + left
                + " x WHERE x.trace_id = y.trace_id AND x.span_id = y.span_id)";
        return switch (operator.getStart().getType()) {
            case TraceQLParser.AND -> stage(Sql.of("SELECT * FROM " + left + " WHERE trace_id IN (SELECT trace_id FROM "
                    + right + ") UNION ALL SELECT * FROM " + right + " y WHERE y.trace_id IN (SELECT trace_id FROM "
                    + left + ")" + notInLeft));
            case TraceQLParser.OR -> stage(Sql.of("SELECT * FROM " + left + " UNION ALL SELECT * FROM " + right
                    + " y WHERE true" + notInLeft));
            case TraceQLParser.GT, TraceQLParser.LT, TraceQLParser.DESC, TraceQLParser.ANCE, TraceQLParser.SIBL ->
                    stage(Sql.of("SELECT * FROM " + right + " y WHERE " + related(operator, left)));
            case TraceQLParser.NOT_CHILD, TraceQLParser.NOT_PARENT, TraceQLParser.NOT_DESC, TraceQLParser.NOT_ANCE,
                 TraceQLParser.NRE -> stage(Sql.of("SELECT * FROM " + right + " y WHERE NOT " + related(operator, left)));
            default -> {
                // &> &< &>> &<< &~: the right side's related spans and the left side's spans they relate to.
                String rightSide = stage(Sql.of("SELECT * FROM " + right + " y WHERE " + related(operator, left)));
                String leftSide = stage(Sql.of("SELECT * FROM " + left + " y WHERE " + related(mirror(operator), right)));
                yield stage(Sql.of("SELECT * FROM " + rightSide + " UNION ALL SELECT * FROM " + leftSide
                        + " y WHERE NOT EXISTS (SELECT 1 FROM " + rightSide
                        + " x WHERE x.trace_id = y.trace_id AND x.span_id = y.span_id)"));
            }
        };
    }

    /** The operator that relates the left side to the right as {@code operator} relates the right to the left. */
    private static int mirror(TraceQLParser.SpansetOperatorContext operator) {
        return switch (operator.getStart().getType()) {
            case TraceQLParser.UNION_CHILD -> TraceQLParser.LT;
            case TraceQLParser.UNION_PARENT -> TraceQLParser.GT;
            case TraceQLParser.UNION_DESC -> TraceQLParser.ANCE;
            case TraceQLParser.UNION_ANCE -> TraceQLParser.DESC;
            default -> TraceQLParser.SIBL;
        };
    }

    private String related(TraceQLParser.SpansetOperatorContext operator, String other) {
        return related(operator.getStart().getType(), other);
    }

    /** That span {@code y} is in the relation {@code operator} names to a span of {@code other} ({@code x}). */
    private String related(int operator, String other) {
        String x = "SELECT 1 FROM " + other + " x";
        return switch (operator) {
            case TraceQLParser.GT, TraceQLParser.NOT_CHILD, TraceQLParser.UNION_CHILD ->
                    "EXISTS (" + x + " WHERE x.trace_id = y.trace_id AND x.span_id = y.parent_span_id)";
            case TraceQLParser.LT, TraceQLParser.NOT_PARENT, TraceQLParser.UNION_PARENT ->
                    "EXISTS (" + x + " WHERE x.trace_id = y.trace_id AND x.parent_span_id = y.span_id)";
            case TraceQLParser.SIBL, TraceQLParser.NRE, TraceQLParser.UNION_SIBL ->
                    "EXISTS (" + x + " WHERE x.trace_id = y.trace_id AND x.parent_span_id = y.parent_span_id "
                            + "AND x.span_id <> y.span_id)";
            case TraceQLParser.DESC, TraceQLParser.NOT_DESC, TraceQLParser.UNION_DESC -> {
                needsAncestors = true;
                yield "EXISTS (" + x + " JOIN " + ANCESTORS + " n ON n.trace_id = x.trace_id AND n.ancestor_id = x.span_id"
                        + " WHERE n.trace_id = y.trace_id AND n.span_id = y.span_id)";
            }
            case TraceQLParser.ANCE, TraceQLParser.NOT_ANCE, TraceQLParser.UNION_ANCE -> {
                needsAncestors = true;
                yield "EXISTS (" + x + " JOIN " + ANCESTORS + " n ON n.trace_id = x.trace_id AND n.span_id = x.span_id"
                        + " WHERE n.trace_id = y.trace_id AND n.ancestor_id = y.span_id)";
            }
            default -> throw new IllegalStateException("not a structural operator: " + operator);
        };
    }

    // ---- Scalar filters (expr.y: scalarFilter, aggregate; Tempo's Aggregate in ast.go) ----

    private String scalarFilter(TraceQLParser.ScalarFilterContext ctx, String input) {
        if (!(hasAggregate(ctx.scalarExpression(0)) || hasAggregate(ctx.scalarExpression(1)))) {
            throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, ctx.getStart().getLine(),
                    ctx.getStart().getCharPositionInLine() + 1,
                    "syntax error: a scalar filter compares an aggregate (count(), avg(...), min, max, sum): "
                            + ctx.getText());
        }
        Candidate left = scalar(ctx.scalarExpression(0));
        Candidate right = scalar(ctx.scalarExpression(1));
        // QUALIFY drops a row whose comparison is null as it drops one whose comparison is false: no IS NOT NULL, which
        // would repeat each side's window aggregate.
        Sql comparison = compare(left, ctx.scalarFilterOperation().getStart(), right, false, false);
        return stage(Sql.concat("SELECT * FROM " + input + " QUALIFY ", comparison));
    }

    /** expr.y: a scalar filter's side is an aggregate, or arithmetic with one; bare numbers are not. */
    private static boolean hasAggregate(TraceQLParser.ScalarExpressionContext ctx) {
        if (ctx instanceof TraceQLParser.ParenScalarContext paren) {
            return hasAggregate(paren.scalarExpression());
        }
        if (ctx instanceof TraceQLParser.ArithmeticScalarContext arithmetic) {
            return arithmetic.scalarExpression().stream().anyMatch(TraceQlCompiler::hasAggregate);
        }
        return ctx instanceof TraceQLParser.AggregateScalarContext;
    }

    private Candidate scalar(TraceQLParser.ScalarExpressionContext ctx) {
        if (ctx instanceof TraceQLParser.ParenScalarContext paren) {
            return scalar(paren.scalarExpression());
        }
        if (ctx instanceof TraceQLParser.LiteralScalarContext literal) {
            TraceQLParser.ScalarContext s = literal.scalar();
            Token number = s.getStop();
            Candidate value = number(number);
            return s.SUB() == null ? value : negate(value);
        }
        if (ctx instanceof TraceQLParser.ArithmeticScalarContext) {
            throw unsupported(ctx, "arithmetic between aggregates or numbers: " + ctx.getText());
        }
        TraceQLParser.AggregateContext aggregate = ((TraceQLParser.AggregateScalarContext) ctx).aggregate();
        String window = " OVER (PARTITION BY trace_id, traceql_group)";
        if (aggregate.COUNT() != null) {
            return new Candidate(Sql.of("count(*)" + window), Type.INT, false);
        }
        Value value = field(aggregate.fieldExpression());
        if (value.implied() != null && !value.implied().numeric()) {
            throw invalid(aggregate, "aggregate field expressions must resolve to a number type");
        }
        if (!value.spanField()) {
            throw invalid(aggregate, "aggregate field expressions must reference the span");
        }
        String function = aggregate.getStart().getText();
        // Tempo aggregates numbers; a duration's aggregate is a duration (ast.go: Aggregate.extractConditions).
        Type type = value.candidates().isEmpty() ? Type.FLOAT : value.candidates().get(0).type();
        if (!type.numeric() && !value.candidates().isEmpty() && !value.candidates().get(0).text()) {
            return new Candidate(Sql.of("NULL::DOUBLE"), Type.FLOAT, false);
        }
        Sql number = numberOf(value);
        return new Candidate(Sql.concat(function + "(", number, ")" + window),
                type == Type.DURATION && function.equals("avg") ? Type.FLOAT : type.numeric() ? type : Type.FLOAT,
                false);
    }

    /** The value as a number, null where it is none (a text column that does not read as one). */
    private static Sql numberOf(Value value) {
        return value.candidates().isEmpty() ? Sql.of("NULL::DOUBLE") : eachCandidate(value, c -> c.array()
                ? Sql.of("NULL::DOUBLE") : c.type().numeric() ? c.sql()
                : c.text() ? Sql.concat("TRY_CAST(", c.sql(), " AS DOUBLE)") : Sql.of("NULL::DOUBLE"), true);
    }

    // ---- Field expressions (expr.y: fieldExpression; semantics of ast_execute.go BinaryOperation.execute) ----

    private Value field(TraceQLParser.FieldExpressionContext ctx) {
        if (ctx instanceof TraceQLParser.ParenFieldContext paren) {
            return field(paren.fieldExpression());
        }
        if (ctx instanceof TraceQLParser.NegateFieldContext negate) {
            if (negate.fieldExpression() instanceof TraceQLParser.StaticFieldContext s
                    && (s.staticValue().INTEGER() != null || s.staticValue().FLOAT() != null
                    || s.staticValue().DURATION() != null)) {
                Candidate negative = negate(number(s.staticValue().getStart()));
                return new Value(List.of(negative), negative.type(), false);
            }
            Value operand = field(negate.fieldExpression());
            if (operand.implied() != null && !operand.implied().numeric()) {
                throw invalid(ctx, "illegal operation for the given type");
            }
            throw unsupported(ctx, "arithmetic in a spanset filter (unary -): " + ctx.getText());
        }
        if (ctx instanceof TraceQLParser.ArithmeticFieldContext arithmetic) {
            Value left = field(arithmetic.fieldExpression(0));
            Value right = field(arithmetic.fieldExpression(1));
            validateBinary(ctx, arithmetic.op == null ? TraceQLParser.POW : arithmetic.op.getType(), left, right);
            throw unsupported(ctx, "arithmetic in a spanset filter ("
                    + (arithmetic.op == null ? "^" : arithmetic.op.getText()) + "): " + ctx.getText());
        }
        if (ctx instanceof TraceQLParser.NotFieldContext not) {
            Value operand = field(not.fieldExpression());
            if (operand.implied() != null && operand.implied() != Type.BOOLEAN) {
                throw invalid(ctx, "illegal operation for the given type");
            }
            return Value.condition(Sql.concat("NOT ", condition(operand)));
        }
        if (ctx instanceof TraceQLParser.ComparisonFieldContext comparison) {
            boolean leftNil = isNil(comparison.fieldExpression(0));
            boolean rightNil = isNil(comparison.fieldExpression(1));
            int op = comparison.op.getType();
            if (leftNil || rightNil) {
                // expr.y: x != nil exists, x = nil does not; nil = nil and nil != nil are false.
                if ((leftNil && rightNil) || (op != TraceQLParser.EQ && op != TraceQLParser.NEQ)) {
                    return Value.condition(Sql.FALSE);
                }
                TraceQLParser.FieldExpressionContext other = comparison.fieldExpression(leftNil ? 1 : 0);
                Value value = field(other);
                if (op == TraceQLParser.EQ && value.implied() != null && value.spanField()) {
                    throw invalid(ctx, other.getText() + "=nil is not valid because intrinsics cannot be nil");
                }
                if (op == TraceQLParser.EQ && other.getText().equals("resource.service.name")) {
                    throw invalid(ctx, "resource.service.name=nil is not valid because resource.service.name cannot be nil");
                }
                return exists(value, op == TraceQLParser.NEQ);
            }
            Value left = field(comparison.fieldExpression(0));
            Value right = field(comparison.fieldExpression(1));
            validateBinary(ctx, op, left, right);
            if (op == TraceQLParser.RE || op == TraceQLParser.NRE) {
                validateRegex(comparison, comparison.fieldExpression(1));
            }
            return Value.condition(compare(left, comparison.op, right));
        }
        if (ctx instanceof TraceQLParser.LogicalFieldContext logical) {
            String op = logical.op.getType() == TraceQLParser.AND ? " AND " : " OR ";
            Value left = field(logical.fieldExpression(0));
            Value right = field(logical.fieldExpression(1));
            validateBinary(ctx, logical.op.getType(), left, right);
            return Value.condition(Sql.concat("(", condition(left), op, condition(right), ")"));
        }
        if (ctx instanceof TraceQLParser.StaticFieldContext s) {
            return staticValue(s.staticValue());
        }
        TraceQLParser.AttributeContext attribute = ((TraceQLParser.AttributeFieldExpressionContext) ctx).attribute();
        Value value = attribute(attribute);
        output(attribute.getText(), value);
        return value;
    }

    private static boolean isNil(TraceQLParser.FieldExpressionContext ctx) {
        return ctx instanceof TraceQLParser.StaticFieldContext s && s.staticValue().NIL() != null;
    }

    /** {@code x != nil} (exists) or {@code x = nil}: ast.go's OpExists / OpNotExists. */
    private static Value exists(Value value, boolean exists) {
        if (value.candidates().isEmpty()) {
            return Value.condition(exists ? Sql.FALSE : Sql.TRUE);
        }
        List<Object> pieces = new ArrayList<>(List.of(exists ? "(" : "NOT ("));
        for (int i = 0; i < value.candidates().size(); i++) {
            pieces.add(i == 0 ? "" : " OR ");
            pieces.add(Sql.concat(value.candidates().get(i).sql(), " IS NOT NULL"));
        }
        pieces.add(")");
        return Value.condition(Sql.concat(pieces.toArray()));
    }

    /**
     * The value as a filter's condition, never null: a boolean that is true; anything else (nil, a string …) is false.
     * A condition built by the compiler is one already, and is left as it is: wrapped in {@code coalesce}, DuckDB
     * would no longer push its comparisons into the Parquet reader.
     */
    private static Sql condition(Value value) {
        if (value.definite()) {
            return value.candidates().get(0).sql();
        }
        return cases(value, c -> c.type() == Type.BOOLEAN && !c.array() ? Sql.concat("coalesce(", c.sql(), ", false)")
                : Sql.FALSE);
    }

    private interface CandidateCondition {
        Sql of(Candidate candidate);
    }

    /** The condition for the first candidate that is not null; false when all are. */
    private static Sql cases(Value value, CandidateCondition condition) {
        List<Candidate> candidates = value.candidates();
        if (candidates.isEmpty()) {
            return Sql.FALSE;
        }
        if (candidates.size() == 1) {
            return condition.of(candidates.get(0));
        }
        List<Object> pieces = new ArrayList<>(List.of("(CASE"));
        for (Candidate c : candidates) {
            pieces.add(Sql.concat(" WHEN ", c.sql(), " IS NOT NULL THEN ", condition.of(c)));
        }
        pieces.add(" ELSE false END)");
        return Sql.concat(pieces.toArray());
    }

    private static Sql compare(Value left, Token op, Value right) {
        // A condition compared as a value (span.a = 1 = true) is never null: no IS NOT NULL, which would write it twice.
        return cases(left, l -> cases(right, r -> compare(l, op, r, left.spanField() && !left.definite(),
                right.spanField() && !right.definite())));
    }

    /**
     * {@code left op right} as Tempo's BinaryOperation.execute decides it: operands of kinds that do not match
     * (isMatchingOperand: the same kind, or both numbers) or an operator the kind has not (binaryTypesValid) give
     * false, not an error; a regex must match the whole value (Prometheus' FastRegexMatcher is anchored).
     *
     * <p>A missing value compares false: {@code (x = ? AND x IS NOT NULL)}, which is false, not null, when x is
     * null, and which DuckDB splits into two filters it pushes into the Parquet reader (row groups skipped by their
     * statistics); {@code coalesce(x = ?, false)} says the same but is read whole and filtered after. {@code leftMayBeNull}
     * and {@code rightMayBeNull}: whether that side reads the span (a literal is never null; nil is compared apart).
     */
    private static Sql compare(Candidate left, Token op, Candidate right, boolean leftMayBeNull, boolean rightMayBeNull) {
        if (left.array() || right.array()) {
            return compareElements(left, op, right, leftMayBeNull, rightMayBeNull);
        }
        Candidate l = asKindOf(left, right);
        Candidate r = asKindOf(right, left);
        int o = op.getType();
        if (!matching(l.type(), r.type()) || !valid(o, l.type()) || !valid(o, r.type())) {
            return Sql.FALSE;
        }
        Sql compared;
        if (o == TraceQLParser.RE || o == TraceQLParser.NRE) {
            // A missing value matches neither =~ nor !~, as in Tempo (nil compared is false).
            compared = Sql.concat(o == TraceQLParser.NRE ? "NOT " : "", "regexp_full_match(", l.sql(), ", ", r.sql(), ")");
        } else {
            compared = Sql.concat("(", l.sql(), ") " + (o == TraceQLParser.NEQ ? "<>" : op.getText()) + " (", r.sql(), ")");
        }
        return Sql.concat("(", compared, leftMayBeNull ? Sql.concat(" AND (", l.sql(), ") IS NOT NULL") : Sql.of(""),
                rightMayBeNull ? Sql.concat(" AND (", r.sql(), ") IS NOT NULL") : Sql.of(""), ")");
    }

    /**
     * An array attribute and a value, as ast_execute.go's array case: the operator applied to each element; != and !~
     * must hold for every element (an empty array included), the others for one. Two arrays match nothing.
     */
    private static Sql compareElements(Candidate left, Token op, Candidate right, boolean leftMayBeNull,
                                       boolean rightMayBeNull) {
        if (left.array() && right.array()) {
            return Sql.FALSE;
        }
        Candidate array = left.array() ? left : right;
        Candidate element = new Candidate(Sql.of("traceql_e"), array.type(), false);
        // An element may be null ([1, NULL]).
        Sql each = left.array() ? compare(element, op, right, true, rightMayBeNull)
                : compare(left, op, element, leftMayBeNull, true);
        boolean all = op.getType() == TraceQLParser.NEQ || op.getType() == TraceQLParser.NRE;
        return all ? Sql.concat("coalesce(len(list_filter(", array.sql(), ", lambda traceql_e: NOT ", each, ")) = 0, false)")
                : Sql.concat("coalesce(len(list_filter(", array.sql(), ", lambda traceql_e: ", each, ")) > 0, false)");
    }

    /** enum_statics.go isMatchingOperand: the same kind, or both numbers. */
    private static boolean matching(Type a, Type b) {
        return a == b || (a.numeric() && b.numeric());
    }

    /** enum_operators.go binaryTypeValid: whether operator {@code op} applies to values of kind {@code type}. */
    private static boolean valid(int op, Type type) {
        boolean equality = op == TraceQLParser.EQ || op == TraceQLParser.NEQ;
        boolean ordering = equality || op == TraceQLParser.LT || op == TraceQLParser.LTE || op == TraceQLParser.GT
                || op == TraceQLParser.GTE;
        boolean arithmetic = op == TraceQLParser.ADD || op == TraceQLParser.SUB || op == TraceQLParser.MUL
                || op == TraceQLParser.DIV || op == TraceQLParser.MOD || op == TraceQLParser.POW;
        boolean logical = op == TraceQLParser.AND || op == TraceQLParser.OR;
        return switch (type) {
            case STRING -> ordering || op == TraceQLParser.RE || op == TraceQLParser.NRE;
            case INT, FLOAT, DURATION -> ordering || arithmetic;
            case BOOLEAN -> equality || logical;
            case STATUS, KIND -> equality;
        };
    }

    /**
     * ast_validate.go BinaryOperation.validate: with the kinds the query alone gives its operands (an attribute's is
     * known only from the data, and passes), the operator must apply to each and the kinds must match.
     */
    private static void validateBinary(ParserRuleContext ctx, int op, Value left, Value right) {
        for (Value side : List.of(left, right)) {
            if (side.implied() != null && !valid(op, side.implied())) {
                throw invalid(ctx, "illegal operation for the given types");
            }
        }
        if (left.implied() != null && right.implied() != null && !matching(left.implied(), right.implied())) {
            throw invalid(ctx, "binary operations must operate on the same type");
        }
    }

    /**
     * ast_validate.go: the right side of =~ and !~ is a string literal. Tempo also compiles it here; Contrail leaves
     * that to DuckDB, whose RE2 reads the same syntax as Tempo's Go regexp (Java's would refuse valid RE2 such as
     * {@code (?P<name>...)}), so a bad regex fails when the search runs.
     */
    private static void validateRegex(ParserRuleContext ctx, TraceQLParser.FieldExpressionContext pattern) {
        if (!(pattern instanceof TraceQLParser.StaticFieldContext s) || s.staticValue().STRING() == null) {
            throw invalid(ctx, "invalid type for =~ or !~");
        }
    }

    /**
     * A text attribute column read as the other operand's kind when that is a number or boolean: such a column holds
     * the values of a key whose values had mixed types as text (docs/schema.md), and Tempo would have compared those
     * of the right type. A text that does not read as one is null: no match.
     */
    private static Candidate asKindOf(Candidate candidate, Candidate other) {
        if (!candidate.text() || other.type() == Type.STRING || other.text()) {
            return candidate;
        }
        return switch (other.type()) {
            case INT, FLOAT, DURATION -> new Candidate(Sql.concat("TRY_CAST(", candidate.sql(), " AS DOUBLE)"),
                    Type.FLOAT, false);
            case BOOLEAN -> new Candidate(Sql.concat("TRY_CAST(", candidate.sql(), " AS BOOLEAN)"), Type.BOOLEAN, false);
            default -> candidate;
        };
    }

    /** The value as text, for a spanset's group: null for nil. */
    private static Sql text(Value value) {
        return value.candidates().isEmpty() ? Sql.of("NULL::VARCHAR")
                : eachCandidate(value, c -> Sql.concat("(", c.sql(), ")::VARCHAR"), true);
    }

    private void output(String label, Value value) {
        if (value.candidates().isEmpty() || outputs.containsKey(label)) {
            return;
        }
        List<Candidate> candidates = value.candidates();
        boolean oneType = candidates.stream().allMatch(c -> c.type() == candidates.get(0).type()
                && c.text() == candidates.get(0).text());
        outputs.put(label, oneType && candidates.size() == 1 ? candidates.get(0).sql()
                : oneType ? Sql.concat("coalesce(", joined(candidates), ")") : text(value));
    }

    private static Sql joined(List<Candidate> candidates) {
        List<Object> pieces = new ArrayList<>();
        for (Candidate c : candidates) {
            pieces.add(pieces.isEmpty() ? "" : ", ");
            pieces.add(c.sql());
        }
        return Sql.concat(pieces.toArray());
    }

    // ---- Statics (expr.y: static; lexer.go: strings and durations) ----

    private Value staticValue(TraceQLParser.StaticValueContext ctx) {
        Token token = ctx.getStart();
        return switch (token.getType()) {
            case TraceQLParser.STRING -> Value.of(Sql.concat("CAST(", Sql.parameter(unquoteString(token)),
                    " AS VARCHAR)"), Type.STRING);
            case TraceQLParser.INTEGER, TraceQLParser.FLOAT, TraceQLParser.DURATION ->
                    numberValue(number(token));
            case TraceQLParser.TRUE -> Value.of(Sql.TRUE, Type.BOOLEAN);
            case TraceQLParser.FALSE -> Value.of(Sql.FALSE, Type.BOOLEAN);
            case TraceQLParser.NIL -> Value.NIL;
            case TraceQLParser.STATUS_OK -> status("OK");
            case TraceQLParser.STATUS_ERROR -> status("ERROR");
            case TraceQLParser.STATUS_UNSET -> status("UNSET");
            case TraceQLParser.KIND_UNSPECIFIED -> kind("UNSPECIFIED");
            case TraceQLParser.KIND_INTERNAL -> kind("INTERNAL");
            case TraceQLParser.KIND_SERVER -> kind("SERVER");
            case TraceQLParser.KIND_CLIENT -> kind("CLIENT");
            case TraceQLParser.KIND_PRODUCER -> kind("PRODUCER");
            case TraceQLParser.KIND_CONSUMER -> kind("CONSUMER");
            default -> switch (token.getText()) {
                // expr.y: IDENTIFIER is minInt, maxInt or "unknown identifier".
                case "minInt" -> Value.of(Sql.concat("CAST(", Sql.parameter(Long.MIN_VALUE), " AS BIGINT)"), Type.INT);
                case "maxInt" -> Value.of(Sql.concat("CAST(", Sql.parameter(Long.MAX_VALUE), " AS BIGINT)"), Type.INT);
                default -> throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, token.getLine(),
                        token.getCharPositionInLine() + 1, "unknown identifier: " + token.getText());
            };
        };
    }

    private static Value status(String code) {
        return Value.of(Sql.concat("CAST(", Sql.parameter(code), " AS VARCHAR)"), Type.STATUS);
    }

    private static Value kind(String kind) {
        return Value.of(Sql.concat("CAST(", Sql.parameter(kind), " AS VARCHAR)"), Type.KIND);
    }

    /** An INTEGER, FLOAT or DURATION token as a literal; a duration in nanoseconds. */
    private static Candidate number(Token token) {
        String text = token.getText();
        try {
            return switch (token.getType()) {
                case TraceQLParser.INTEGER -> new Candidate(Sql.concat("CAST(", Sql.parameter(Long.parseLong(text)),
                        " AS BIGINT)"), Type.INT, false);
                case TraceQLParser.FLOAT -> new Candidate(Sql.concat("CAST(", Sql.parameter(Double.parseDouble(text)),
                        " AS DOUBLE)"), Type.FLOAT, false);
                default -> new Candidate(Sql.concat("CAST(", Sql.parameter(durationNanos(text)), " AS BIGINT)"),
                        Type.DURATION, false);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, token.getLine(),
                    token.getCharPositionInLine() + 1, "value out of range: " + text);
        }
    }

    private static Value numberValue(Candidate number) {
        return new Value(List.of(number), number.type(), false);
    }

    private static Candidate negate(Candidate number) {
        return new Candidate(Sql.concat("(-", number.sql(), ")"), number.type(), false);
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L,
            "d", 86_400_000_000_000L, "w", 604_800_000_000_000L, "y", 31_536_000_000_000_000L);

    /** lexer.go's parseDuration: Prometheus' units (d, w, y too), parts added up as Go's time.ParseDuration does. */
    static long durationNanos(String text) {
        Matcher part = DURATION_PART.matcher(text);
        BigDecimal nanos = BigDecimal.ZERO;
        int end = 0;
        while (part.find() && part.start() == end) {
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(part.group(2)))));
            end = part.end();
        }
        if (end != text.length()) {
            throw new NumberFormatException("not a duration: " + text);
        }
        return nanos.longValueExact();
    }

    /** A STRING token's value: Go's strconv.Unquote, as lexer.go applies it. */
    private static String unquoteString(Token token) {
        String text = token.getText();
        if (text.startsWith("`")) {
            return text.substring(1, text.length() - 1);
        }
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < text.length() - 1; i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char e = text.charAt(++i);
            switch (e) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'a' -> value.append('\u0007');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'v' -> value.append('\u000b');
                case '\\', '"', '\'' -> value.append(e);
                case 'u', 'U', 'x' -> {
                    int digits = e == 'u' ? 4 : e == 'U' ? 8 : 2;
                    if (i + digits >= text.length()) {
                        throw invalidString(token, i);
                    }
                    try {
                        value.appendCodePoint(Integer.parseInt(text.substring(i + 1, i + 1 + digits), 16));
                    } catch (IllegalArgumentException ex) {
                        throw invalidString(token, i);
                    }
                    i += digits;
                }
                default -> throw invalidString(token, i);
            }
        }
        return value.toString();
    }

    private static TraceQlException invalidString(Token token, int offset) {
        return new TraceQlException(TraceQlException.Reason.PARSE_ERROR, token.getLine(),
                token.getCharPositionInLine() + offset, "invalid syntax: bad escape in string " + token.getText());
    }

    // ---- Attributes and intrinsics (expr.y: intrinsicField, scopedIntrinsicField, attributeField) ----

    private Value attribute(TraceQLParser.AttributeContext ctx) {
        if (ctx instanceof TraceQLParser.IntrinsicAttributeContext intrinsic) {
            return intrinsic(intrinsic.intrinsicField(), null, intrinsic.intrinsicField().getStart().getType()).fromSpan();
        }
        if (ctx instanceof TraceQLParser.ScopedIntrinsicAttributeContext scoped) {
            TraceQLParser.ScopedIntrinsicFieldContext field = scoped.scopedIntrinsicField();
            return intrinsic(field, field.getStart().getType(), field.getStop().getType()).fromSpan();
        }
        var scoped = (TraceQLParser.ScopedAttributeContext) ctx;
        String key = attributeName(scoped.ATTRIBUTE_NAME().getSymbol());
        return switch (scoped.scope.getType()) {
            case TraceQLParser.SPAN_DOT -> attributeIn(ctx, key, false);
            case TraceQLParser.RESOURCE_DOT -> attributeIn(ctx, key, true);
            case TraceQLParser.DOT -> {
                List<Candidate> both = new ArrayList<>(attributeIn(ctx, key, false).candidates());
                both.addAll(attributeIn(ctx, key, true).candidates());
                yield Value.attribute(both);
            }
            default -> throw unsupported(ctx, scoped.scope.getText().replace(".", "")
                    + "-scoped attributes (" + ctx.getText() + ")");
        };
    }

    /** A span or resource attribute: its column, then the family's overflow map (docs/schema.md). */
    private Value attributeIn(ParserRuleContext ctx, String key, boolean resource) {
        List<Candidate> candidates = new ArrayList<>();
        Column column = columnsByFoldedName.get(SpanSchema.foldedColumnName(
                resource ? SpanSchema.resourceAttributeColumn(key) : SpanSchema.spanAttributeColumn(key)));
        if (column != null) {
            Sql ref = Sql.of(SpanSchema.quote(column.name()));
            attributeColumns.add(ref.text());
            Candidate candidate = switch (column.type()) {
                case "VARCHAR" -> new Candidate(ref, Type.STRING, true);
                case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER" ->
                        new Candidate(ref, Type.INT, false);
                case "DOUBLE", "FLOAT" -> new Candidate(ref, Type.FLOAT, false);
                case "BOOLEAN" -> new Candidate(ref, Type.BOOLEAN, false);
                case "VARCHAR[]" -> new Candidate(ref, Type.STRING, false, true);
                case "BIGINT[]" -> new Candidate(ref, Type.INT, false, true);
                case "DOUBLE[]" -> new Candidate(ref, Type.FLOAT, false, true);
                case "BOOLEAN[]" -> new Candidate(ref, Type.BOOLEAN, false, true);
                default -> throw unsupported(ctx, "attributes holding " + column.type() + " values: " + ctx.getText());
            };
            candidates.add(candidate);
        }
        String overflow = resource ? SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW : SpanSchema.SPAN_ATTRIBUTE_OVERFLOW;
        Column map = columnsByFoldedName.get(overflow);
        if (map != null) {
            attributeColumns.add(SpanSchema.quote(map.name()));
            candidates.add(new Candidate(Sql.concat(SpanSchema.quote(map.name()) + "[", Sql.parameter(key), "]"),
                    Type.STRING, true));
        }
        return Value.attribute(candidates);
    }

    /**
     * An intrinsic: {@code scope} is the token before the colon (null for an unscoped one such as {@code duration}),
     * {@code name} the intrinsic's token.
     */
    private Value intrinsic(ParserRuleContext ctx, Integer scope, int name) {
        int s = scope == null ? -1 : scope;
        if (s == TraceQLParser.SPAN_COLON && name == TraceQLParser.CHILDCOUNT) {
            // The span's children in the window (Tempo counts them in the trace it stored).
            needsChildCount = true;
            return Value.of(Sql.of("traceql_child_count"), Type.INT);
        }
        if (s == -1 || s == TraceQLParser.SPAN_COLON) {
            switch (name) {
                case TraceQLParser.IDURATION:
                    return Value.of(Sql.of("duration_nanos"), Type.DURATION);
                case TraceQLParser.NAME:
                    return Value.of(Sql.of("name"), Type.STRING);
                case TraceQLParser.STATUS:
                    return Value.of(Sql.of("status_code"), Type.STATUS);
                case TraceQLParser.STATUS_MESSAGE:
                    return Value.of(Sql.of("status_message"), Type.STRING);
                case TraceQLParser.KIND:
                    return Value.of(Sql.of("kind"), Type.KIND);
                case TraceQLParser.ID:
                    return Value.of(Sql.of("span_id"), Type.STRING);
                case TraceQLParser.PARENT_ID:
                    return Value.of(Sql.of("parent_span_id"), Type.STRING);
                default:
                    break;
            }
        }
        if (s == -1 || s == TraceQLParser.TRACE_COLON) {
            switch (name) {
                case TraceQLParser.ROOTNAME:
                    return Value.of(Sql.of("traceql_root_name"), Type.STRING);
                case TraceQLParser.ROOTSERVICENAME, TraceQLParser.ROOTSERVICE:
                    return Value.of(Sql.of("traceql_root_service"), Type.STRING);
                case TraceQLParser.TRACEDURATION:
                    return Value.of(Sql.of("traceql_trace_duration"), Type.DURATION);
                case TraceQLParser.IDURATION:
                    return Value.of(Sql.of("traceql_trace_duration"), Type.DURATION);
                case TraceQLParser.ID:
                    return Value.of(Sql.of("trace_id"), Type.STRING);
                default:
                    break;
            }
        }
        if (s == TraceQLParser.INSTRUMENTATION_COLON) {
            return Value.of(Sql.of(name == TraceQLParser.NAME ? "scope_name" : "scope_version"), Type.STRING);
        }
        throw unsupported(ctx, "the intrinsic " + ctx.getText());
    }

    /** An attribute name as lexer.go's parseAttribute reads it: "quoted" parts unquoted, \" and \\ unescaped. */
    private static String attributeName(Token token) {
        String text = token.getText();
        StringBuilder name = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (quoted && c == '\\' && i + 1 < text.length()) {
                name.append(text.charAt(++i));
            } else {
                name.append(c);
            }
        }
        return name.toString();
    }

    /** Tempo's validate() message about {@code ctx}. */
    private static TraceQlException invalid(ParserRuleContext ctx, String message) {
        return new TraceQlException(TraceQlException.Reason.INVALID, ctx.getStart().getLine(),
                ctx.getStart().getCharPositionInLine() + 1, message + ": " + ctx.getText());
    }

    private static TraceQlException unsupported(ParserRuleContext ctx, String what) {
        return unsupported(ctx.getStart(), what);
    }

    private static TraceQlException unsupported(Token at, String what) {
        return new TraceQlException(TraceQlException.Reason.UNSUPPORTED, at.getLine(), at.getCharPositionInLine() + 1,
                what + " is not supported");
    }
}
