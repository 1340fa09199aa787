package io.contrail.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The auth file's rules: what is refused at start (and on reload) and with which message; how a header is decided. */
class AccessTokensTest {

    private static final String SECRET = "s3cr3t-value-never-shown";

    private static String refusal(String yaml) {
        var error = catchThrowableOfType(IllegalArgumentException.class,
                () -> AccessTokens.parse("auth.yaml", yaml.getBytes(StandardCharsets.UTF_8)));
        assertThat(error).as("refused: %s", yaml).isNotNull();
        assertThat(error.getMessage()).startsWith("auth file auth.yaml: ").doesNotContain(SECRET);
        return error.getMessage().substring("auth file auth.yaml: ".length());
    }

    /** A valid tokens list, for files whose fault is elsewhere. */
    private static final String OK = "tokens:\n  - token: " + SECRET + "\n    scopes: [query]\n";

    @Test
    void tenantsSettingsAreReadAndAbsentOnesAreNone() {
        AccessTokens tokens = AccessTokens.parse("auth.yaml", (OK + "tenants:\n  shop:\n    retention: 36h\n"
                + "    max_spans_per_second: 5000\n    max_buffered_bytes: 64MB\n  bank:\n    retention: 7d\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(tokens.tenant("shop")).isEqualTo(new TenantSettings(java.time.Duration.ofHours(36), 5000, 64L << 20));
        assertThat(tokens.tenant("bank")).isEqualTo(new TenantSettings(java.time.Duration.ofDays(7), 0, 0));
        assertThat(tokens.tenant("other")).isEqualTo(TenantSettings.NONE);
        assertThat(tokens.tenant(null)).isEqualTo(TenantSettings.NONE);
    }

    @Test
    void badFilesAreRefusedNamingTheEntryFieldAndProblem() {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("", "is empty"),
                Map.entry("tokens: []", "tokens: the list is empty"),
                Map.entry("tokens:", "tokens: the list is empty"),
                Map.entry("token: x", "unknown field \"token\" (fields: tokens, tenants)"),
                Map.entry("tokens:\n  - scopes: [ingest]", "tokens[0]: has neither token nor token_sha256"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    token_sha256: " + "a".repeat(64) + "\n    scopes: [query]",
                        "tokens[0]: has both token and token_sha256"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    scopes: [admin]",
                        "tokens[0]: scopes: unknown scope \"admin\" (scopes: ingest, query)"),
                Map.entry("tokens:\n  - token: " + SECRET, "tokens[0]: scopes: missing or empty"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    scopes: [query]\n  - token_sha256: " + sha256Hex(SECRET)
                        + "\n    scopes: [ingest]", "tokens[1]: the same token as tokens[0]"),
                Map.entry("tokens:\n  - token_sha256: abc\n    scopes: [query]", "tokens[0]: token_sha256: must be 64 hexadecimal"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    tenant: ../other\n    scopes: [query]", "tokens[0]: tenant: must be"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    scope: [query]", "tokens[0]: unknown field \"scope\""),
                Map.entry("tokens:\n  - " + SECRET + ": x\n    scopes: [query]", "tokens[0]: unknown field (not shown)"),
                Map.entry("tokens:\n  - token: " + SECRET + "\n    token: other\n    scopes: [query]", "not valid YAML"),
                Map.entry("tokens:\n  - token: \"" + SECRET + "\n", "not valid YAML at line"),
                Map.entry(OK + "tenants: [shop]", "tenants: must be a mapping of tenant names"),
                Map.entry(OK + "tenants:\n  ../up:\n    retention: 7d", "tenants: a tenant's name must be 1 to 64"),
                Map.entry(OK + "tenants:\n  shop: 7d", "tenants.shop: must be a mapping with retention"),
                Map.entry(OK + "tenants:\n  shop:\n    retain: 7d", "tenants.shop: unknown field \"retain\""),
                Map.entry(OK + "tenants:\n  shop:\n    retention: 7 weeks", "tenants.shop: retention: '7 weeks' is not a time"),
                Map.entry(OK + "tenants:\n  shop:\n    retention: 0", "tenants.shop: retention: must be longer than 0"),
                Map.entry(OK + "tenants:\n  shop:\n    max_spans_per_second: lots",
                        "tenants.shop: max_spans_per_second: 'lots' is not a whole number"),
                Map.entry(OK + "tenants:\n  shop:\n    max_spans_per_second: 0",
                        "tenants.shop: max_spans_per_second: must be a positive whole number"),
                Map.entry(OK + "tenants:\n  shop:\n    max_buffered_bytes: [1]", "tenants.shop: max_buffered_bytes: must be a single value"),
                Map.entry(OK + "tenants:\n  shop:\n    max_buffered_bytes: -5MB", "tenants.shop: max_buffered_bytes: '-5MB' is not a size"));
        expected.forEach((yaml, message) -> assertThat(refusal(yaml)).as(yaml).contains(message));
    }

    @ParameterizedTest(name = "{0} asking {1}: {2}")
    @CsvSource(nullValues = "null", value = {
            "null,                         query,  MISSING",
            "'',                           query,  MISSING",
            "Basic abc,                    query,  MISSING",
            "Bearer,                       query,  MISSING",
            "Bearer wrong,                 query,  UNKNOWN",
            "Bearer " + SECRET + "x,       query,  UNKNOWN",
            "Bearer " + SECRET + ",        ingest, SCOPE",
            "Bearer " + SECRET + ",        query,  ALLOWED",
            "BEARER   " + SECRET + "  ,    query,  ALLOWED",
            "Bearer hashed-one,            ingest, ALLOWED",
            "Bearer hashed-one,            query,  ALLOWED"})
    void headersAreDecidedByTokenAndScope(String header, String scope, String outcome) {
        AccessTokens tokens = AccessTokens.parse("auth.yaml", ("tokens:\n"
                + "  - token: " + SECRET + "\n    tenant: shop\n    scopes: [query]\n"
                + "  - token_sha256: " + sha256Hex("hashed-one").toUpperCase() + "\n    scopes: [ingest, query]\n")
                .getBytes(StandardCharsets.UTF_8));
        Decision decision = tokens.decide(header, Scope.valueOf(scope.toUpperCase()));
        if (outcome.equals("ALLOWED")) {
            assertThat(decision).isInstanceOf(Decision.Allowed.class);
        } else {
            assertThat(decision).isInstanceOfSatisfying(Decision.Refused.class, refused -> {
                assertThat(refused.cause()).isEqualTo(Decision.Cause.valueOf(outcome));
                assertThat(refused.message()).doesNotContain(SECRET);
            });
        }
    }

    @Test
    void aTokensTenantIsKept() {
        AccessTokens tokens = AccessTokens.parse("auth.yaml",
                ("tokens:\n  - token: " + SECRET + "\n    tenant: shop\n    scopes: [query]\n").getBytes(StandardCharsets.UTF_8));
        assertThat(tokens.decide("Bearer " + SECRET, Scope.QUERY))
                .isEqualTo(new Decision.Allowed("shop", java.util.Set.of(Scope.QUERY)));
    }

    private static String sha256Hex(String token) {
        return HexFormat.of().formatHex(AccessTokens.sha256(token));
    }
}
