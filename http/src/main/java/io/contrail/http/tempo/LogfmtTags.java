package io.contrail.http.tempo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tags} parameter of a Tempo search: logfmt ({@code service.name="checkout" http.status_code=500}),
 * read as Tempo reads it with {@code go-logfmt}'s decoder ({@code pkg/api/http.go ParseSearchRequest}): pairs
 * separated by spaces or newlines, a value quoted when it holds spaces (with {@code \"}, {@code \\}, {@code \n},
 * {@code \t}, {@code \r} escapes), a key without {@code =} standing for an empty value. Errors are Tempo's:
 * {@code invalid tags: <reason> at pos <n>}, or {@code invalid tags: tag <key> has been set twice}.
 */
final class LogfmtTags {

    private LogfmtTags() {
    }

    static Map<String, String> parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        int at = 0;
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                at++;
                continue;
            }
            int keyStart = at;
            while (at < text.length() && isKeyChar(text.charAt(at))) {
                at++;
            }
            if (at == keyStart) {
                throw syntax("unexpected '" + text.charAt(at) + "'", at);
            }
            String key = text.substring(keyStart, at);
            String value = "";
            if (at < text.length() && text.charAt(at) == '=') {
                at++;
                if (at < text.length() && text.charAt(at) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    int open = at;
                    at++;
                    boolean closed = false;
                    while (at < text.length()) {
                        char q = text.charAt(at++);
                        if (q == '"') {
                            closed = true;
                            break;
                        }
                        if (q == '\\' && at < text.length()) {
                            char escaped = text.charAt(at++);
                            quoted.append(switch (escaped) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                case 'r' -> '\r';
                                default -> escaped;
                            });
                        } else {
                            quoted.append(q);
                        }
                    }
                    if (!closed) {
                        throw syntax("unterminated quoted value", open);
                    }
                    value = quoted.toString();
                } else {
                    int valueStart = at;
                    while (at < text.length() && isKeyChar(text.charAt(at))) {
                        at++;
                    }
                    if (at < text.length() && (text.charAt(at) == '=' || text.charAt(at) == '"')) {
                        throw syntax("unexpected '" + text.charAt(at) + "'", at);
                    }
                    value = text.substring(valueStart, at);
                }
            }
            if (tags.put(key, value) != null) {
                throw new IllegalArgumentException("invalid tags: tag " + key + " has been set twice");
            }
        }
        return tags;
    }

    /** A character of a key or an unquoted value: anything printed but {@code =} and {@code "}. */
    private static boolean isKeyChar(char c) {
        return c > ' ' && c != '=' && c != '"';
    }

    private static IllegalArgumentException syntax(String reason, int index) {
        return new IllegalArgumentException("invalid tags: " + reason + " at pos " + (index + 1));
    }
}
