package io.contrail.http;

import static io.contrail.http.FlightSqlClients.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.contrail.http.tls.ServerCertificate;
import io.contrail.http.tls.TestAuthority;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flight SQL with {@code --tls-cert}/{@code --tls-key}: the port serves TLS only, with the certificate HTTPS presents.
 * The JDBC driver and the Java client trusting the test CA query over it; a client that does not trust the CA, or
 * speaks plaintext to the port, gets no answer.
 */
// Arrow's FlightSqlClient and FlightStream declare close() throws InterruptedException, which try-with-resources warns of.
@SuppressWarnings("try")
class FlightSqlTlsTest {

    private static final TestAuthority CA = TestAuthority.create("Contrail Flight SQL test CA");

    @TempDir
    static Path files;
    private static Path caFile;
    private static ContrailServer server;
    private static BufferAllocator allocator;

    @BeforeAll
    static void start() throws IOException {
        TestAuthority.Issued issued = CA.issue();
        caFile = Files.write(files.resolve("ca.pem"), CA.pem());
        server = ContrailServer.start(ServerConfig.defaults(files.resolve("data")).withAddress("127.0.0.1", 0)
                .withGrpcPort(ServerConfig.GRPC_DISABLED)
                .withTls(ServerCertificate.read(issued.writeCertificate(files), issued.writeKey(files))));
        allocator = new RootAllocator();
    }

    @AfterAll
    static void stop() {
        server.close();
        allocator.close();
    }

    @Test
    void theJdbcDriverAndTheJavaClientTrustingTheCaQueryOverTls() throws Exception {
        assertThat(server.flightUri()).startsWith("grpc+tls://127.0.0.1:");
        try (Connection connection = DriverManager.getConnection("jdbc:arrow-flight-sql://127.0.0.1:" + server.flightPort()
                + "?useEncryption=true&tlsRootCerts=" + caFile); Statement statement = connection.createStatement()) {
            assertThat(column(statement.executeQuery("SELECT 42 AS answer"), "answer")).containsExactly(42);
        }

        try (FlightSqlClient trusting = new FlightSqlClient(FlightClient.builder(allocator,
                Location.forGrpcTls("127.0.0.1", server.flightPort())).trustedCertificates(
                        new ByteArrayInputStream(CA.pem())).build())) {
            assertThat(column(trusting, trusting.execute("SELECT 42 AS answer"), 0)).containsExactly(42);
        }
    }

    @Test
    void aClientNotTrustingTheCaOrSpeakingPlaintextGetsNoAnswer() throws Exception {
        try (FlightSqlClient untrusting = new FlightSqlClient(FlightClient.builder(allocator,
                Location.forGrpcTls("127.0.0.1", server.flightPort())).build());
             FlightSqlClient plaintext = FlightSqlClients.client(server, allocator)) {
            assertThat(catchThrowableOfType(FlightRuntimeException.class, () -> untrusting.execute("SELECT 1")))
                    .as("a client that does not trust the CA").isNotNull();
            assertThat(catchThrowableOfType(FlightRuntimeException.class, () -> plaintext.execute("SELECT 1")))
                    .as("a plaintext client").isNotNull();
        }
    }
}
