package io.contrail.http.tempo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code tags} of a Tempo search, read as go-logfmt reads them: the shapes Grafana writes, Tempo's errors, and,
 * for seeded random tags, that what a logfmt writer writes is read back unchanged.
 */
class LogfmtTagsTest {

    private static final String VALUE_CHARACTERS = "ab=\" \\\n\t\r.:/é漢-_0";

    @Test
    void readsTheTagsGrafanasSearchEditorWrites() {
        // datasource.ts buildSearchQuery: the free-text tags, then service.name="…" and name="…", each after a space.
        assertThat(LogfmtTags.parse(" service.name=\"checkout\" name=\"GET /cart\""))
                .containsExactly(Map.entry("service.name", "checkout"), Map.entry("name", "GET /cart"));
        assertThat(LogfmtTags.parse("http.status_code=500 error\nregion=eu"))
                .containsExactly(Map.entry("http.status_code", "500"), Map.entry("error", ""), Map.entry("region", "eu"));
        assertThat(LogfmtTags.parse("")).isEmpty();
    }

    @Test
    void malformedTagsAreTempoErrorsWithThePosition() {
        assertThatThrownBy(() -> LogfmtTags.parse("a=\"open")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid tags: unterminated quoted value at pos 3");
        assertThatThrownBy(() -> LogfmtTags.parse("=b")).hasMessage("invalid tags: unexpected '=' at pos 1");
        assertThatThrownBy(() -> LogfmtTags.parse("a=b=c")).hasMessage("invalid tags: unexpected '=' at pos 4");
        assertThatThrownBy(() -> LogfmtTags.parse("a=1 a=2")).hasMessage("invalid tags: tag a has been set twice");
    }

    @Test
    void whatALogfmtWriterWritesIsReadBackUnchanged() {
        Random random = new Random(22);
        for (int round = 0; round < 2_000; round++) {
            Map<String, String> tags = new LinkedHashMap<>();
            int count = 1 + random.nextInt(4);
            for (int i = 0; i < count; i++) {
                tags.put(key(random), value(random));
            }
            String written = write(tags);
            assertThat(LogfmtTags.parse(written)).as(written).isEqualTo(tags);
        }
    }

    @Test
    void anyTextIsReadOrRefusedWithAReason() {
        Random random = new Random(7);
        for (int round = 0; round < 5_000; round++) {
            String text = value(random) + key(random) + value(random);
            try {
                LogfmtTags.parse(text);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(text).startsWith("invalid tags: ");
            }
        }
    }

    private static String key(Random random) {
        StringBuilder key = new StringBuilder();
        int length = 1 + random.nextInt(8);
        for (int i = 0; i < length; i++) {
            char c = (char) ('!' + random.nextInt('~' - '!' + 1));
            key.append(c == '=' || c == '"' ? '.' : c);
        }
        return key.toString();
    }

    private static String value(Random random) {
        StringBuilder value = new StringBuilder();
        int length = random.nextInt(8);
        for (int i = 0; i < length; i++) {
            value.append(VALUE_CHARACTERS.charAt(random.nextInt(VALUE_CHARACTERS.length())));
        }
        return value.toString();
    }

    /** Logfmt as go-logfmt's encoder writes it: a value quoted, with escapes, when it is empty or needs it. */
    private static String write(Map<String, String> tags) {
        StringBuilder text = new StringBuilder();
        tags.forEach((key, value) -> {
            text.append(text.length() == 0 ? "" : " ").append(key).append('=');
            boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > ' ' && c != '=' && c != '"');
            if (plain) {
                text.append(value);
                return;
            }
            text.append('"');
            for (char c : value.toCharArray()) {
                text.append(switch (c) {
                    case '"' -> "\\\"";
                    case '\\' -> "\\\\";
                    case '\n' -> "\\n";
                    case '\t' -> "\\t";
                    case '\r' -> "\\r";
                    default -> String.valueOf(c);
                });
            }
            text.append('"');
        });
        return text.toString();
    }
}
