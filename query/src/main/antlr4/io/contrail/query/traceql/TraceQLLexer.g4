/*
 * TraceQL's tokens: the lexer half of the grammar, see TraceQLParser.g4.
 * From Tempo's pkg/traceql/lexer.go (tokenMap, Lex, parseAttribute, tryScanDuration).
 */
lexer grammar TraceQLLexer;

// ---- Lexer (lexer.go: tokenMap and Lex) ----

// Scopes that start an attribute name: lexer.go's startsAttribute.
PARENT_DOT: 'parent.' -> pushMode(ATTRIBUTE);
RESOURCE_DOT: 'resource.' -> pushMode(ATTRIBUTE);
SPAN_DOT: 'span.' -> pushMode(ATTRIBUTE);
EVENT_DOT: 'event.' -> pushMode(ATTRIBUTE);
LINK_DOT: 'link.' -> pushMode(ATTRIBUTE);
INSTRUMENTATION_DOT: 'instrumentation.' -> pushMode(ATTRIBUTE);

TRACE_COLON: 'trace:';
SPAN_COLON: 'span:';
EVENT_COLON: 'event:';
LINK_COLON: 'link:';
INSTRUMENTATION_COLON: 'instrumentation:';

// A number with a unit: lexer.go's tryScanDuration (Prometheus' units, then Go's time.ParseDuration).
DURATION: (DIGITS ('.' DIGITS)? DURATION_UNIT)+;
FLOAT: DIGITS '.' DIGITS? | '.' DIGITS;
INTEGER: DIGITS;
STRING: '"' ('\\' . | ~["\\\r\n])* '"' | '`' ~'`'* '`';

COMMA: ',';
OPEN_BRACE: '{';
CLOSE_BRACE: '}';
OPEN_PARENS: '(';
CLOSE_PARENS: ')';
EQ: '=';
NEQ: '!=';
RE: '=~';
NRE: '!~';
GT: '>';
GTE: '>=';
LT: '<';
LTE: '<=';
ADD: '+';
SUB: '-';
DIV: '/';
MOD: '%';
MUL: '*';
POW: '^';
AND: '&&';
OR: '||';
NOT: '!';
PIPE: '|';
DESC: '>>';
ANCE: '<<';
SIBL: '~';
NOT_CHILD: '!>';
NOT_PARENT: '!<';
NOT_DESC: '!>>';
NOT_ANCE: '!<<';
UNION_SIBL: '&~';
UNION_CHILD: '&>';
UNION_PARENT: '&<';
UNION_DESC: '&>>';
UNION_ANCE: '&<<';

TRUE: 'true';
FALSE: 'false';
NIL: 'nil';
STATUS_OK: 'ok';
STATUS_ERROR: 'error';
STATUS_UNSET: 'unset';
KIND_UNSPECIFIED: 'unspecified';
KIND_INTERNAL: 'internal';
KIND_SERVER: 'server';
KIND_CLIENT: 'client';
KIND_PRODUCER: 'producer';
KIND_CONSUMER: 'consumer';
IDURATION: 'duration';
CHILDCOUNT: 'childCount';
NAME: 'name';
STATUS: 'status';
STATUS_MESSAGE: 'statusMessage';
KIND: 'kind';
ROOTNAME: 'rootName';
ROOTSERVICENAME: 'rootServiceName';
ROOTSERVICE: 'rootService';
TRACEDURATION: 'traceDuration';
NESTEDSETLEFT: 'nestedSetLeft';
NESTEDSETRIGHT: 'nestedSetRight';
NESTEDSETPARENT: 'nestedSetParent';
ID: 'id';
TRACE_ID: 'traceID';
SPAN_ID: 'spanID';
PARENT_ID: 'parentID';
TIMESINCESTART: 'timeSinceStart';
VERSION: 'version';
PARENT: 'parent';
COUNT: 'count';
AVG: 'avg';
MAX: 'max';
MIN: 'min';
SUM: 'sum';
BY: 'by';
COALESCE: 'coalesce';
SELECT: 'select';
RATE: 'rate';
COUNT_OVER_TIME: 'count_over_time';
MIN_OVER_TIME: 'min_over_time';
MAX_OVER_TIME: 'max_over_time';
AVG_OVER_TIME: 'avg_over_time';
SUM_OVER_TIME: 'sum_over_time';
QUANTILE_OVER_TIME: 'quantile_over_time';
HISTOGRAM_OVER_TIME: 'histogram_over_time';
COMPARE: 'compare';
TOPK: 'topk';
BOTTOMK: 'bottomk';
WITH: 'with';

// lexer.go reads the rest with Go's text/scanner: identifiers as Go's, comments skipped.
IDENTIFIER: [a-zA-Z_] [a-zA-Z_0-9]*;
// The unscoped attribute ".name": after the keywords so that "." alone is this token, not part of a FLOAT.
DOT: '.' -> pushMode(ATTRIBUTE);

LINE_COMMENT: '//' ~[\r\n]* -> skip;
BLOCK_COMMENT: '/*' .*? '*/' -> skip;
WHITESPACE: [ \t\r\n]+ -> skip;

fragment DIGITS: [0-9]+;
fragment DURATION_UNIT: 'ns' | 'us' | 'µs' | 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'y';

mode ATTRIBUTE;

// lexer.go's parseAttribute: runes up to one isAttributeRune refuses, with "quoted" parts that may hold any of them.
ATTRIBUTE_NAME: (ATTRIBUTE_RUNE | '"' ('\\' ["\\] | ~["\\])* '"')+ -> popMode;

fragment ATTRIBUTE_RUNE: ~[ \t\r\n{}()=~!<>&|^,"];
