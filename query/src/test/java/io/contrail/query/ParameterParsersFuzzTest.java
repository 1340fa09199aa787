package io.contrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the parsers every API's query parameters go through
 * ({@link TimeParameters}, {@link SpanFilter}): any text gives a value, or an IllegalArgumentException
 * whose message names the parameter, which the HTTP layer answers as a 400 the user can act on. Never
 * another exception (a 500), never a message that does not say which parameter was wrong, never a time
 * that wrapped around (epoch digits are not before 1970).
 *
 * <p>An input is {@code <parser byte><text>}; the seed inputs in {@code ParameterParsersFuzzTestInputs/}
 * start with the parser's digit (a byte taken modulo 4 after {@code '0'}) ({@code 0} time, {@code 1} duration, {@code 2} filter, {@code 3} filter
 * turned into SQL).
 */
class ParameterParsersFuzzTest {

    private static final String PARAMETER = "param_x";
    private static final Map<String, String> COLUMN_TYPES = Map.of("attr.http.route", "VARCHAR",
            "attr.app.items", "BIGINT", "attr.ratio", "DOUBLE", "attr.ok", "BOOLEAN");

    @FuzzTest
    void parsers(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int parser = (input[0] - '0') & 0x3;
        String text = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
        try {
            switch (parser) {
                case 0 -> {
                    long nanos = TimeParameters.parseTimeNanos(PARAMETER, text);
                    if (text.strip().matches("\\d+")) {
                        assertThat(nanos).as("epoch digits %s, not wrapped around", text).isNotNegative();
                    }
                }
                case 1 -> assertThat(TimeParameters.parseDurationNanos(PARAMETER, text)).as(text).isNotNegative();
                case 2 -> SpanFilter.parse(PARAMETER, text);
                default -> {
                    SpanFilter.Condition condition = SpanFilter.parse(PARAMETER, text).toSql(COLUMN_TYPES);
                    assertThat(condition.sql().chars().filter(c -> c == '?').count()).as(text)
                            .isEqualTo(condition.parameters().size());
                    assertThat(condition.parameters()).as(text).doesNotContainNull();
                }
            }
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).as("the message refusing %s %s", List.of("time", "duration",
                    "filter", "filter").get(parser), text).contains(PARAMETER);
        }
    }
}
