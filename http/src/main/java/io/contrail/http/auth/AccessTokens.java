package io.contrail.http.auth;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The tokens of one auth file ({@code contrail serve --auth FILE}), immutable:
 * <pre>
 * tokens:
 *   - token: "s3cr3t-ingest"        # or token_sha256: "&lt;64 hex digits&gt;", so the file holds no secret
 *     tenant: shop                  # whose spans it sends or reads; none: the default tenant
 *     scopes: [ingest]              # ingest, query or both
 * tenants:                          # optional: a tenant's own settings ({@link TenantSettings})
 *   shop:
 *     retention: 7d
 *     max_spans_per_second: 20000
 *     max_buffered_bytes: 64MB
 * </pre>
 * Only SHA-256 digests are kept. {@link #decide} hashes the presented token and compares the digest with
 * every entry's in constant time, so neither the answer's time nor an early exit tells which entry (or how
 * much of one) matched. No message this class makes holds a token or a digest.
 */
public final class AccessTokens {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** A tenant names a folder (tenants/NAME): names that are safe as one, as Tempo's X-Scope-OrgID takes them. */
    public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** How an error says what a tenant name may be. */
    public static final String TENANT_RULE = "1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit";
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_]{1,32}");
    private static final List<String> ENTRY_FIELDS = List.of("token", "token_sha256", "tenant", "scopes");
    private static final List<String> TENANT_FIELDS = List.of("retention", "max_spans_per_second", "max_buffered_bytes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One token: its digest, the tenant it belongs to (null: none given) and what it may do. */
    private record Entry(byte[] sha256, String tenant, Set<Scope> scopes) {
    }

    private final List<Entry> entries;
    private final Map<String, TenantSettings> tenants;

    private AccessTokens(List<Entry> entries, Map<String, TenantSettings> tenants) {
        this.entries = List.copyOf(entries);
        this.tenants = Map.copyOf(tenants);
    }

    /**
     * Reads an auth file; errors name the file as given, the entry and field, and the problem, e.g.
     * {@code auth file auth.yaml: tokens[1]: unknown scope "admin" (scopes: ingest, query)}.
     *
     * @throws IllegalArgumentException when the file cannot be read or is not a valid auth file
     */
    public static AccessTokens read(Path file) {
        return parse(file.toString(), content(file));
    }

    /** The file's bytes; IllegalArgumentException naming the file as given and why it cannot be read. */
    static byte[] content(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("auth file " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("auth file " + file + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException("auth file " + file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Parses an auth file's content; {@code name} is how errors name the file. */
    static AccessTokens parse(String name, byte[] content) {
        String prefix = "auth file " + name + ": ";
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(prefix + syntaxError(e));
        } catch (IOException e) {
            throw new IllegalArgumentException(prefix + "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new IllegalArgumentException(prefix + "is empty; it needs a list of tokens under \"tokens:\"");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(prefix + "must be a mapping with \"tokens:\", a list of tokens");
        }
        rejectUnknownFields(prefix, root, List.of("tokens", "tenants"));
        JsonNode tokens = root.get("tokens");
        if (tokens == null || tokens.isNull() || (tokens.isArray() && tokens.isEmpty())) {
            throw new IllegalArgumentException(prefix + "tokens: the list is empty; a server with --auth needs at "
                    + "least one token (without --auth nothing is checked)");
        }
        if (!tokens.isArray()) {
            throw new IllegalArgumentException(prefix + "tokens: must be a list of entries (- token: ... scopes: [...])");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Entry entry = entry(prefix + "tokens[" + i + "]: ", tokens.get(i));
            for (int j = 0; j < entries.size(); j++) {
                if (MessageDigest.isEqual(entries.get(j).sha256(), entry.sha256())) {
                    throw new IllegalArgumentException(prefix + "tokens[" + i + "]: the same token as tokens[" + j
                            + "]; give each token once, with all its scopes");
                }
            }
            entries.add(entry);
        }
        return new AccessTokens(entries, tenants(prefix, root.get("tenants")));
    }

    private static Map<String, TenantSettings> tenants(String prefix, JsonNode tenants) {
        if (tenants == null || tenants.isNull()) {
            return Map.of();
        }
        if (!tenants.isObject()) {
            throw new IllegalArgumentException(prefix + "tenants: must be a mapping of tenant names to their settings ("
                    + String.join(", ", TENANT_FIELDS) + ")");
        }
        Map<String, TenantSettings> settings = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tenants.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> tenant = it.next();
            if (!TENANT.matcher(tenant.getKey()).matches()) {
                throw new IllegalArgumentException(prefix + "tenants: a tenant's name must be " + TENANT_RULE);
            }
            String at = prefix + "tenants." + tenant.getKey() + ": ";
            JsonNode node = tenant.getValue();
            if (!node.isObject()) {
                throw new IllegalArgumentException(at + "must be a mapping with " + String.join(", ", TENANT_FIELDS));
            }
            rejectUnknownFields(at, node, TENANT_FIELDS);
            Duration retention = node.hasNonNull("retention")
                    ? setting(at, "retention", node, value -> io.contrail.http.OptionUnits.parseDuration(value, null)) : null;
            long perSecond = node.hasNonNull("max_spans_per_second")
                    ? setting(at, "max_spans_per_second", node, Long::parseLong) : 0;
            long buffered = node.hasNonNull("max_buffered_bytes")
                    ? setting(at, "max_buffered_bytes", node, io.contrail.http.OptionUnits::parseSize) : 0;
            if (retention != null && retention.isZero()) {
                throw new IllegalArgumentException(at + "retention: must be longer than 0 (leave it out to keep the server's)");
            }
            if (node.hasNonNull("max_spans_per_second") && perSecond <= 0) {
                throw new IllegalArgumentException(at + "max_spans_per_second: must be a positive whole number");
            }
            settings.put(tenant.getKey(), new TenantSettings(retention, perSecond, buffered));
        }
        return settings;
    }

    /** A setting's value parsed, or IllegalArgumentException naming the field and the problem. */
    private static <T> T setting(String at, String field, JsonNode node, Function<String, T> parse) {
        JsonNode value = node.get(field);
        if (!value.isValueNode()) {
            throw new IllegalArgumentException(at + field + ": must be a single value");
        }
        try {
            return parse.apply(value.asText());
        } catch (RuntimeException e) {
            String reason = e instanceof NumberFormatException ? "'" + value.asText() + "' is not a whole number" : e.getMessage();
            throw new IllegalArgumentException(at + field + ": " + reason);
        }
    }

    /** The settings the file gives {@code tenant}; {@link TenantSettings#NONE} when it gives none. */
    public TenantSettings tenant(String tenant) {
        return tenant == null ? TenantSettings.NONE : tenants.getOrDefault(tenant, TenantSettings.NONE);
    }

    private static Entry entry(String prefix, JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(prefix + "must be a mapping with token or token_sha256, tenant and scopes");
        }
        rejectUnknownFields(prefix, node, ENTRY_FIELDS);
        JsonNode token = node.get("token");
        JsonNode sha256 = node.get("token_sha256");
        if (token != null && sha256 != null) {
            throw new IllegalArgumentException(prefix + "has both token and token_sha256; give one");
        }
        if (token == null && sha256 == null) {
            throw new IllegalArgumentException(prefix + "has neither token nor token_sha256; give one");
        }
        byte[] digest;
        if (token != null) {
            if (!token.isTextual() || token.asText().isEmpty()) {
                throw new IllegalArgumentException(prefix + "token: must be a non-empty string");
            }
            if (token.asText().chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw new IllegalArgumentException(prefix + "token: must not hold spaces or control characters "
                        + "(it is sent as Authorization: Bearer <token>)");
            }
            digest = sha256(token.asText());
        } else {
            if (!sha256.isTextual() || !SHA256_HEX.matcher(sha256.asText()).matches()) {
                throw new IllegalArgumentException(prefix + "token_sha256: must be 64 hexadecimal digits, the SHA-256 "
                        + "of the token (e.g. printf %s TOKEN | sha256sum)");
            }
            digest = HexFormat.of().parseHex(sha256.asText().toLowerCase(Locale.ROOT));
        }
        JsonNode tenant = node.get("tenant");
        String tenantName = null;
        if (tenant != null && !tenant.isNull()) {
            if (!tenant.isTextual() || !TENANT.matcher(tenant.asText()).matches()) {
                throw new IllegalArgumentException(prefix + "tenant: must be " + TENANT_RULE);
            }
            tenantName = tenant.asText();
        }
        return new Entry(digest, tenantName, scopes(prefix, node.get("scopes")));
    }

    private static Set<Scope> scopes(String prefix, JsonNode scopes) {
        String known = "scopes: " + java.util.Arrays.stream(Scope.values()).map(Scope::label).collect(Collectors.joining(", "));
        if (scopes == null || scopes.isNull() || (scopes.isArray() && scopes.isEmpty())) {
            throw new IllegalArgumentException(prefix + "scopes: missing or empty; give at least one (" + known + ")");
        }
        if (!scopes.isArray()) {
            throw new IllegalArgumentException(prefix + "scopes: must be a list, e.g. [ingest] (" + known + ")");
        }
        Set<Scope> set = EnumSet.noneOf(Scope.class);
        for (JsonNode scope : scopes) {
            Scope found = null;
            for (Scope candidate : Scope.values()) {
                if (scope.isTextual() && candidate.label().equals(scope.asText())) {
                    found = candidate;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException(prefix + "scopes: unknown scope " + scope + " (" + known + ")");
            }
            set.add(found);
        }
        return Collections.unmodifiableSet(set);
    }

    private static void rejectUnknownFields(String prefix, JsonNode node, List<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!known.contains(field)) {
                // A name that looks like no field may be a token written as a key: it is not repeated.
                String shown = FIELD_NAME.matcher(field).matches() ? "\"" + field + "\"" : "(not shown)";
                throw new IllegalArgumentException(prefix + "unknown field " + shown + " (fields: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    /**
     * A YAML syntax error by line and column and the parser's problem only: the parser's full message
     * quotes the offending line, which may hold a token.
     */
    private static String syntaxError(JacksonException e) {
        JsonLocation at = e.getLocation();
        String problem = null;
        for (Throwable cause = e; cause != null && problem == null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
                problem = marked.getProblem();
            }
        }
        return "not valid YAML" + (at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column "
                + at.getColumnNr()) + (problem == null ? "" : ": " + problem);
    }

    static byte[] sha256(String token) {
        return sha256Of(token.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256Of(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * These tokens and one more, known by its digest only, that may send spans: the token a process gives
     * itself (e.g. {@code contrail demo} loading its traces through the server's own endpoint).
     */
    AccessTokens withIngestToken(byte[] sha256) {
        List<Entry> more = new ArrayList<>(entries);
        more.add(new Entry(sha256.clone(), null, Collections.unmodifiableSet(EnumSet.of(Scope.INGEST))));
        return new AccessTokens(more, tenants);
    }

    /** How many tokens the file holds. */
    public int size() {
        return entries.size();
    }

    /**
     * Decides a request by its {@code Authorization} header value (null when absent): allowed when it is
     * {@code Bearer <token>} with a token of this file that has {@code needed} (any scope when null).
     */
    public Decision decide(String authorization, Scope needed) {
        String token = bearerToken(authorization);
        if (token == null) {
            return new Decision.Refused(Decision.Cause.MISSING, authorization == null || authorization.isBlank()
                    ? "no token: send Authorization: Bearer <token> (this server was started with --auth)"
                    : "the Authorization header is not a Bearer token: send Authorization: Bearer <token>");
        }
        byte[] digest = sha256(token);
        Entry match = null;
        for (Entry entry : entries) {
            // Every entry is compared, whatever matched before: the time taken does not say which one matched.
            if (MessageDigest.isEqual(entry.sha256(), digest)) {
                match = entry;
            }
        }
        if (match == null) {
            return new Decision.Refused(Decision.Cause.UNKNOWN, "unknown token: this server's auth file does not hold it");
        }
        if (needed != null && !match.scopes().contains(needed)) {
            return new Decision.Refused(Decision.Cause.SCOPE, "this token may only "
                    + match.scopes().stream().map(Scope::allows).collect(Collectors.joining(" and "))
                    + " (scopes: " + match.scopes().stream().map(Scope::label).collect(Collectors.joining(", "))
                    + "); to " + needed.allows() + " a token needs the scope " + needed.label());
        }
        return new Decision.Allowed(match.tenant(), match.scopes());
    }

    /** The token of {@code Bearer <token>} (the scheme in any case, RFC 9110 §11.1), or null. */
    private static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = value.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
