/*
 * TraceQL, Grafana Tempo's trace query language, as an ANTLR 4 grammar: the parser half (tokens in TraceQLLexer.g4).
 *
 * Derived from Tempo's yacc grammar pkg/traceql/expr.y and its hand-written lexer pkg/traceql/lexer.go
 * (grafana/tempo at ad33aa8). Rule names follow expr.y's. What differs, and why:
 *  - expr.y lists operator precedence in %left/%right lines; ANTLR takes it from the order of a left-recursive
 *    rule's alternatives (earlier binds tighter). The levels are expr.y's, tightest first: unary minus, ^ (right),
 *    * / %, !, + -, comparisons and structural operators, && and || (one level, left-associative, as in expr.y),
 *    then |.
 *  - lexer.go switches to reading an attribute name after "span.", "resource.", "." (and the other scopes) until a
 *    rune that ends it (isAttributeRune); TraceQLLexer does that in its ATTRIBUTE mode. Quoted parts ("...") of a
 *    name are kept with their quotes and unquoted by the compiler, as lexer.go's parseQuotedAtrribute does.
 *  - expr.y's first-stage metrics rules (metricsAggregation: rate(), count_over_time(), min/max/avg/sum_over_time(),
 *    quantile_over_time(), histogram_over_time(), each with an optional by(...)) are spelled out, as are its second
 *    stages (topk(n), bottomk(n), a comparison with a number), and query hints (with(...)) after them are read but
 *    not interpreted. The rest of expr.y's metrics (compare(), arithmetic on series) is not: root accepts a pipeline followed by "| <metrics function>" or "with"
 *    and anything after it, so that the compiler names the construct it does not support instead of reporting a
 *    syntax error. Where both metrics alternatives match, ANTLR takes the first (the supported one).
 *  - expr.y's unary minus of an attribute and arithmetic are parsed; the compiler refuses them by name.
 *  - expr.y's "x != nil" / "x = nil" (existence) rules are comparisons with the static nil here, told apart by the
 *    compiler: ANTLR's prediction does not prefer the nil alternatives over a comparison as yacc's does.
 */
parser grammar TraceQLParser;

options { tokenVocab = TraceQLLexer; }

root
    : spansetPipeline EOF                                   # pipelineRoot
    | spansetPipelineExpression EOF                         # pipelineExpressionRoot
    | scalarPipelineExpressionFilter EOF                    # scalarPipelineRoot
    | spansetPipeline PIPE metricsAggregation metricsSecondStage* hints? EOF # metricsRoot
    | spansetPipeline PIPE metricsFunction .*? EOF          # unsupportedMetricsRoot
    | spansetPipeline WITH .*? EOF                          # hintsRoot
    ;

// expr.y: metricsAggregation (its first-stage functions), attributeList, numericList.
metricsAggregation
    : fn=(RATE | COUNT_OVER_TIME) OPEN_PARENS CLOSE_PARENS metricsBy?
    | fn=(MIN_OVER_TIME | MAX_OVER_TIME | SUM_OVER_TIME | AVG_OVER_TIME | HISTOGRAM_OVER_TIME)
      OPEN_PARENS attribute CLOSE_PARENS metricsBy?
    | fn=QUANTILE_OVER_TIME OPEN_PARENS attribute (COMMA quantiles+=(INTEGER | FLOAT))+ CLOSE_PARENS metricsBy?
    ;

metricsBy
    : BY OPEN_PARENS attribute (COMMA attribute)* CLOSE_PARENS
    ;

// expr.y: metricsSecondStagePipeline, its elements "| topk(n)", "| bottomk(n)" and metricsFilter (a comparison with a
// number or duration; expr.y folds arithmetic between numbers there, which is not spelled out here).
metricsSecondStage
    : PIPE fn=(TOPK | BOTTOMK) OPEN_PARENS INTEGER CLOSE_PARENS                     # topKStage
    | op=(EQ | NEQ | LT | LTE | GT | GTE) scalar                                     # metricsFilterStage
    ;

// expr.y: hints, "with(key = value, ...)"; read, not interpreted (sampling hints and the like change only how Tempo
// computes an answer, and Contrail's is exact).
hints
    : WITH OPEN_PARENS (~CLOSE_PARENS)* CLOSE_PARENS
    ;

metricsFunction
    : RATE | COUNT_OVER_TIME | MIN_OVER_TIME | MAX_OVER_TIME | AVG_OVER_TIME | SUM_OVER_TIME
    | QUANTILE_OVER_TIME | HISTOGRAM_OVER_TIME | COMPARE | TOPK | BOTTOMK
    ;

// ---- Spanset expressions (expr.y: spansetPipelineExpression, wrappedSpansetPipeline, spansetPipeline) ----

spansetPipelineExpression
    : OPEN_PARENS spansetPipelineExpression CLOSE_PARENS                              # parenPipelineExpression
    | spansetPipelineExpression spansetOperator spansetPipelineExpression             # binaryPipelineExpression
    | OPEN_PARENS spansetPipeline CLOSE_PARENS                                        # wrappedSpansetPipeline
    ;

spansetPipeline
    : pipelineElement (PIPE pipelineStage)*
    ;

// expr.y: a pipeline may not start with coalesce().
pipelineStage
    : pipelineElement
    | coalesceOperation
    ;

pipelineElement
    : spansetExpression                                     # spansetElement
    | scalarFilter                                          # scalarFilterElement
    | BY OPEN_PARENS fieldExpression CLOSE_PARENS           # groupOperation
    | SELECT OPEN_PARENS attribute (COMMA attribute)* CLOSE_PARENS # selectOperation
    ;

coalesceOperation
    : COALESCE OPEN_PARENS CLOSE_PARENS
    ;

spansetExpression
    : OPEN_PARENS spansetExpression CLOSE_PARENS            # parenSpansetExpression
    | spansetExpression spansetOperator spansetExpression   # binarySpansetExpression
    | spansetFilter                                         # filterSpansetExpression
    ;

// Between spansets, expr.y gives && and || the precedence of the structural operators: one level, left-associative.
spansetOperator
    : AND | OR | GT | LT | DESC | ANCE | SIBL
    | NOT_CHILD | NOT_PARENT | NOT_DESC | NOT_ANCE | NRE
    | UNION_CHILD | UNION_PARENT | UNION_DESC | UNION_ANCE | UNION_SIBL
    ;

spansetFilter
    : OPEN_BRACE fieldExpression? CLOSE_BRACE
    ;

// ---- Scalar filters (expr.y: scalarFilter, scalarExpression, aggregate) ----

scalarFilter
    : scalarExpression scalarFilterOperation scalarExpression
    ;

scalarFilterOperation
    : EQ | NEQ | LT | LTE | GT | GTE
    ;

// expr.y: the right side may be a number; the left may not (bare numbers are no scalar pipeline).
scalarPipelineExpressionFilter
    : scalarPipelineExpression scalarFilterOperation (scalarPipelineExpression | scalar)
    ;

scalarPipelineExpression
    : OPEN_PARENS scalarPipelineExpression CLOSE_PARENS
    | <assoc=right> scalarPipelineExpression POW scalarPipelineExpression
    | scalarPipelineExpression (MUL | DIV | MOD) scalarPipelineExpression
    | scalarPipelineExpression (ADD | SUB) scalarPipelineExpression
    | OPEN_PARENS spansetPipeline PIPE aggregate CLOSE_PARENS
    ;

scalarExpression
    : OPEN_PARENS scalarExpression CLOSE_PARENS             # parenScalar
    | <assoc=right> scalarExpression POW scalarExpression   # arithmeticScalar
    | scalarExpression (MUL | DIV | MOD) scalarExpression   # arithmeticScalar
    | scalarExpression (ADD | SUB) scalarExpression         # arithmeticScalar
    | aggregate                                             # aggregateScalar
    | scalar                                                # literalScalar
    ;

aggregate
    : COUNT OPEN_PARENS CLOSE_PARENS
    | (MAX | MIN | AVG | SUM) OPEN_PARENS fieldExpression CLOSE_PARENS
    ;

scalar
    : SUB? (INTEGER | FLOAT | DURATION)
    ;

// ---- Field expressions, inside { } (expr.y: fieldExpression) ----

fieldExpression
    : OPEN_PARENS fieldExpression CLOSE_PARENS                                  # parenField
    | SUB fieldExpression                                                       # negateField
    | <assoc=right> fieldExpression POW fieldExpression                         # arithmeticField
    | fieldExpression op=(MUL | DIV | MOD) fieldExpression                      # arithmeticField
    | NOT fieldExpression                                                       # notField
    | fieldExpression op=(ADD | SUB) fieldExpression                            # arithmeticField
    | fieldExpression op=(EQ | NEQ | LT | LTE | GT | GTE | RE | NRE) fieldExpression # comparisonField
    | fieldExpression op=(AND | OR) fieldExpression                             # logicalField
    | staticValue                                                               # staticField
    | attribute                                                                 # attributeFieldExpression
    ;

staticValue
    : STRING | INTEGER | FLOAT | TRUE | FALSE | DURATION | NIL
    | STATUS_OK | STATUS_ERROR | STATUS_UNSET
    | KIND_UNSPECIFIED | KIND_INTERNAL | KIND_SERVER | KIND_CLIENT | KIND_PRODUCER | KIND_CONSUMER
    | IDENTIFIER
    ;

attribute
    : intrinsicField                                        # intrinsicAttribute
    | scopedIntrinsicField                                  # scopedIntrinsicAttribute
    | scope=(DOT | SPAN_DOT | RESOURCE_DOT | PARENT_DOT | EVENT_DOT | LINK_DOT | INSTRUMENTATION_DOT)
      ATTRIBUTE_NAME                                        # scopedAttribute
    ;

intrinsicField
    : IDURATION | NAME | STATUS | STATUS_MESSAGE | KIND | PARENT | ROOTNAME | ROOTSERVICENAME | TRACEDURATION
    | NESTEDSETLEFT | NESTEDSETRIGHT | NESTEDSETPARENT
    ;

scopedIntrinsicField
    : TRACE_COLON (IDURATION | ROOTNAME | ROOTSERVICE | ID)
    | SPAN_COLON (IDURATION | NAME | KIND | STATUS | STATUS_MESSAGE | ID | PARENT_ID | CHILDCOUNT)
    | EVENT_COLON (NAME | TIMESINCESTART)
    | LINK_COLON (TRACE_ID | SPAN_ID)
    | INSTRUMENTATION_COLON (NAME | VERSION)
    ;
