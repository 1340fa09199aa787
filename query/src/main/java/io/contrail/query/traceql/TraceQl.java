package io.contrail.query.traceql;

import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;

import java.util.Map;

/**
 * TraceQL, Grafana Tempo's trace query language, compiled to DuckDB SQL over the {@code spans} view: the entry point of
 * {@code io.contrail.query.traceql}. {@code TraceQueries.searchTraceQl} runs what this compiles.
 *
 * <p>Compiling needs the columns the {@code spans} view has now ({@code QueryEngine.spanColumns()}): an attribute is a
 * column of its own, so which attributes exist and their types decide the SQL. Values from the query are always bound
 * as parameters and attribute names quoted as identifiers. A query that does not parse, that Tempo would refuse as
 * ill-typed, or that uses a construct this compiler does not support, throws {@link TraceQlException} saying where and
 * what; nothing is silently dropped.
 */
public final class TraceQl {

    private TraceQl() {
    }

    /**
     * The query compiled for a store whose {@code spans} view has these columns (name → DuckDB type).
     *
     * @throws TraceQlException when it does not parse, is ill-typed or uses an unsupported construct
     */
    public static CompiledTraceQl compile(String query, Map<String, String> spanColumnTypes) {
        try {
            return new TraceQlCompiler(spanColumnTypes).compile(parse(query));
        } catch (StackOverflowError e) {
            // Past MAX_NESTING a query is refused before parsing; a chain of thousands of operators can still nest
            // the parse tree deeper than the stack. The stack is unwound by now: answer the client, not a 500.
            throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, 1, 1,
                    "query too complex: its expressions nest deeper than this server can parse");
        }
    }

    /** How deep parentheses and braces may nest: far past any query a person writes, far below the stack's limit. */
    public static final int MAX_NESTING = 100;

    /**
     * Whether the query can be compiled, without a store: throws {@link TraceQlException} as {@link #compile} would
     * (a parse error, an ill-typed query, an unsupported construct), else returns. For an API to refuse a bad query up front.
     */
    public static void check(String query) {
        compile(query, Map.of());
    }

    static TraceQLParser.RootContext parse(String query) {
        TraceQLLexer lexer = new TraceQLLexer(CharStreams.fromString(query));
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        TraceQLParser parser = new TraceQLParser(tokens);
        BaseErrorListener thrower = new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line,
                                    int charPositionInLine, String msg, RecognitionException e) {
                Token metrics = recognizer instanceof TraceQLParser ? metricsFunction(tokens) : null;
                if (metrics != null) {
                    // The grammar spells out only "pipeline | metrics function ..."; the rest of expr.y's metrics
                    // (arithmetic between metrics pipelines) is refused as what it is, not a typo.
                    throw new TraceQlException(TraceQlException.Reason.UNSUPPORTED, metrics.getLine(),
                            metrics.getCharPositionInLine() + 1, "this form of " + metrics.getText() + "() ("
                            + TraceQlMetrics.SUPPORTED_FORM + ") is not supported");
                }
                // Tempo's words (its yacc parser says "syntax error: unexpected X"), then ANTLR's own detail.
                String unexpected;
                if (offendingSymbol instanceof Token token) {
                    unexpected = token.getType() == Token.EOF ? "end of input" : "'" + token.getText() + "'";
                } else {
                    unexpected = "character '" + query.substring(Math.min(query.length(),
                            offsetOf(query, line, charPositionInLine))).codePoints().limit(1)
                            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + "'";
                }
                throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, line, charPositionInLine + 1,
                        "syntax error: unexpected " + unexpected + " (" + msg + ")");
            }
        };
        lexer.removeErrorListeners();
        lexer.addErrorListener(thrower);
        parser.removeErrorListeners();
        parser.addErrorListener(thrower);
        // Read every token first (a lexer error throws here) and refuse deep nesting before the parser recurses.
        tokens.fill();
        int depth = 0;
        for (Token token : tokens.getTokens()) {
            if (token.getType() == TraceQLLexer.OPEN_PARENS || token.getType() == TraceQLLexer.OPEN_BRACE) {
                if (++depth > MAX_NESTING) {
                    throw new TraceQlException(TraceQlException.Reason.PARSE_ERROR, token.getLine(),
                            token.getCharPositionInLine() + 1, "syntax error: nesting deeper than " + MAX_NESTING);
                }
            } else if (token.getType() == TraceQLLexer.CLOSE_PARENS || token.getType() == TraceQLLexer.CLOSE_BRACE) {
                depth--;
            }
        }
        return parser.root();
    }

    /** The first metrics function in the query, or null. */
    private static Token metricsFunction(CommonTokenStream tokens) {
        tokens.fill();
        for (Token token : tokens.getTokens()) {
            switch (token.getType()) {
                case TraceQLLexer.RATE, TraceQLLexer.COUNT_OVER_TIME, TraceQLLexer.MIN_OVER_TIME,
                     TraceQLLexer.MAX_OVER_TIME, TraceQLLexer.AVG_OVER_TIME, TraceQLLexer.SUM_OVER_TIME,
                     TraceQLLexer.QUANTILE_OVER_TIME, TraceQLLexer.HISTOGRAM_OVER_TIME, TraceQLLexer.COMPARE,
                     TraceQLLexer.TOPK, TraceQLLexer.BOTTOMK -> {
                    return token;
                }
                default -> {
                }
            }
        }
        return null;
    }

    /** The character offset of a line (from 1) and column (from 0) in {@code text}. */
    private static int offsetOf(String text, int line, int column) {
        int offset = 0;
        for (int l = 1; l < line && offset >= 0; l++) {
            offset = text.indexOf('\n', offset) + 1;
        }
        return Math.max(0, offset) + column;
    }
}
