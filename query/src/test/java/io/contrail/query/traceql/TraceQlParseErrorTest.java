package io.contrail.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A query that is not TraceQL is refused with where (line, column from 1) and what, in Tempo's words. */
class TraceQlParseErrorTest {

    private static TraceQlException refused(String query) {
        try {
            TraceQl.check(query);
        } catch (TraceQlException e) {
            return e;
        }
        throw new AssertionError("accepted: " + query);
    }

    @Test
    void aMissingValueIsReportedAtTheTokenThatEndsTheComparison() {
        TraceQlException e = refused("{ name = }");
        assertThat(e.reason()).isEqualTo(TraceQlException.Reason.PARSE_ERROR);
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.column()).isEqualTo(10);
        assertThat(e.getMessage()).startsWith("parse error at line 1, col 10: syntax error: unexpected '}'");
    }

    @Test
    void anUnclosedFilterIsReportedAtTheEndOfInput() {
        assertThat(refused("{ .foo = \"bar\"").getMessage())
                .startsWith("parse error at line 1, col 15: syntax error: unexpected end of input");
    }

    @Test
    void aCharacterOutsideTheLanguageIsReportedWhereItIs() {
        TraceQlException e = refused("{ name = \"a\" }\n  | count() > #");
        assertThat(e.getMessage()).startsWith("parse error at line 2, col 15: syntax error: unexpected character '#'");
        assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void anOperatorTraceQlDoesNotHaveIsASyntaxError() {
        assertThat(refused("{ .attribute == 4 }").getMessage())
                .startsWith("parse error at line 1, col 15: syntax error: unexpected '='");
        assertThat(refused("{ true } + { true }").getMessage())
                .startsWith("parse error at line 1, col 10: syntax error: unexpected '+'");
    }

    @Test
    void aBareWordIsAnUnknownIdentifierAsInTempo() {
        assertThat(refused("{ attribute = 4 }").getMessage())
                .isEqualTo("parse error at line 1, col 3: unknown identifier: attribute");
    }

    @Test
    void anEmptyAttributeNameIsASyntaxError() {
        assertThat(refused("{ span. = 1 }").reason()).isEqualTo(TraceQlException.Reason.PARSE_ERROR);
        assertThat(refused("{ . }").getMessage()).startsWith("parse error at line 1, col 4: syntax error:");
    }

    @Test
    void aBadEscapeInAStringIsAParseError() {
        assertThat(refused("{ name = \"a\\qb\" }").getMessage())
                .startsWith("parse error at line 1, col 12: invalid syntax: bad escape");
    }

    @Test
    void anUnsupportedConstructIsNotAParseError() {
        TraceQlException e = refused("{ } | rate() by (resource.service.name) > 1 / 2");
        assertThat(e.reason()).isEqualTo(TraceQlException.Reason.UNSUPPORTED);
        assertThat(e.getMessage()).isEqualTo("unsupported TraceQL at line 1, col 7: this form of rate() (Contrail "
                + "compiles one metrics function after a spanset pipeline, with by(...), then topk(n), bottomk(n) and "
                + "comparisons with a number; not arithmetic on series) is not supported");
        assertThatThrownBy(() -> TraceQl.check("{ span.a + 1 = 2 }")).hasMessage(
                "unsupported TraceQL at line 1, col 3: arithmetic in a spanset filter (+): span.a+1 is not supported");
    }

    @Test
    void commentsAndNewlinesAreSkippedAsInTempo() {
        TraceQl.check("{ name = \"a\" } // the rest is a comment {\n && /* and this */ { kind = server }");
    }
}
