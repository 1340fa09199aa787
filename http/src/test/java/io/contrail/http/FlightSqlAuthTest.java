package io.contrail.http;

import static io.contrail.http.FlightSqlClients.bearer;
import static io.contrail.http.FlightSqlClients.column;
import static io.contrail.http.FlightSqlClients.jdbc;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flight SQL with {@code --auth}: the tokens of HTTP in the {@code authorization} call header. No token or an unknown
 * one is UNAUTHENTICATED, a token that may only send spans PERMISSION_DENIED, each with the message HTTP answers;
 * a token's tenant decides whose spans a call reads — over the JDBC driver ({@code &token=}) and the Java client —
 * and a prepared statement is good only for the tenant that prepared it.
 */
class FlightSqlAuthTest {

    private static final String SHOP_INGEST = "shop-ingest-Hq3v8L";
    private static final String SHOP_QUERY = "shop-query-Zt5m2W";
    private static final String BANK_INGEST = "bank-ingest-Pn7c4X";
    private static final String BANK_QUERY = "bank-query-Jd9r6K";
    private static final Path AUTH_FILE = AuthTest.authFile("tokens:\n"
            + "  - token: \"" + SHOP_INGEST + "\"\n    tenant: shop\n    scopes: [ingest]\n"
            + "  - token: \"" + SHOP_QUERY + "\"\n    tenant: shop\n    scopes: [query]\n"
            + "  - token: \"" + BANK_INGEST + "\"\n    tenant: bank\n    scopes: [ingest]\n"
            + "  - token: \"" + BANK_QUERY + "\"\n    tenant: bank\n    scopes: [query]\n");
    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
    private static final String SERVICES = "SELECT DISTINCT service_name FROM spans ORDER BY 1";

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(config -> config.withAuthFile(AUTH_FILE));

    private static BufferAllocator allocator;
    private static FlightSqlClient client;

    @BeforeAll
    static void eachTenantSendsASpan() {
        send(SHOP_INGEST, "cart", 1);
        send(BANK_INGEST, "ledger", 2);
        server.flush("shop");
        server.flush("bank");
        allocator = new RootAllocator();
        client = FlightSqlClients.client(server.server(), allocator);
    }

    private static void send(String token, String service, int n) {
        var request = OtlpSpans.request().add(service,
                span(traceId(n), spanId(n), "GET /" + service, SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(3)));
        var response = server.post("/v1/traces", request.toByteArray(), "Content-Type", OtlpSpans.PROTOBUF,
                "Authorization", "Bearer " + token);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
        allocator.close();
    }

    @Test
    void aCallWithoutATokenOrWithAnUnknownOneIsUnauthenticatedWithHttpsMessage() {
        var http = server.postSql("SELECT 1");
        assertThat(http.statusCode()).isEqualTo(401);
        String missing = RunningServer.json(http).get("error").asText();

        FlightRuntimeException none = refusal(client, "SELECT 1");
        assertThat(none.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED);
        assertThat(none.getMessage()).isEqualTo(missing);

        FlightRuntimeException unknown = refusal(client, "SELECT 1", bearer("nobody-knows-this"));
        assertThat(unknown.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED);

        assertThatThrownBy(() -> {
            try (Connection anonymous = jdbc(server.server()); Statement statement = anonymous.createStatement()) {
                statement.executeQuery("SELECT 1");
            }
        }).isInstanceOf(SQLException.class).hasStackTraceContaining(missing);
    }

    @Test
    void aTokenThatMayOnlySendSpansIsPermissionDenied() {
        var http = server.postSql("SELECT 1", "Authorization", "Bearer " + SHOP_INGEST);
        assertThat(http.statusCode()).isEqualTo(403);

        FlightRuntimeException ingestOnly = refusal(client, SERVICES, bearer(SHOP_INGEST));
        assertThat(ingestOnly.status().code()).isEqualTo(FlightStatusCode.UNAUTHORIZED);
        assertThat(ingestOnly.getMessage()).isEqualTo(RunningServer.json(http).get("error").asText());
    }

    @Test
    void eachTenantsTokenReadsItsOwnSpansOnly() throws Exception {
        assertThat(column(client, client.execute(SERVICES, bearer(SHOP_QUERY)), 0, bearer(SHOP_QUERY)))
                .containsExactly("cart");
        assertThat(column(client, client.execute(SERVICES, bearer(BANK_QUERY)), 0, bearer(BANK_QUERY)))
                .containsExactly("ledger");

        try (Connection shop = jdbc(server.server(), "token=" + SHOP_QUERY); Statement statement = shop.createStatement()) {
            assertThat(column(statement.executeQuery(SERVICES), "service_name")).containsExactly("cart");
        }
        try (Connection bank = jdbc(server.server(), "token=" + BANK_QUERY); Statement statement = bank.createStatement()) {
            assertThat(column(statement.executeQuery(SERVICES), "service_name")).containsExactly("ledger");
        }
    }

    @Test
    void aPreparedStatementIsGoodOnlyForTheTenantThatPreparedIt() throws Exception {
        try (FlightSqlClient.PreparedStatement shops = client.prepare(SERVICES, bearer(SHOP_QUERY))) {
            FlightRuntimeException borrowed = catchThrowableOfType(FlightRuntimeException.class,
                    () -> shops.execute(bearer(BANK_QUERY)));
            assertThat(borrowed.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND);

            assertThat(column(client, shops.execute(bearer(SHOP_QUERY)), 0, bearer(SHOP_QUERY))).containsExactly("cart");
            shops.close(bearer(SHOP_QUERY));
        }
    }

    private static FlightRuntimeException refusal(FlightSqlClient client, String sql, CallOption... options) {
        return catchThrowableOfType(FlightRuntimeException.class, () -> client.execute(sql, options));
    }
}
