package io.contrail.http;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The Flight SQL clients of a running server, made as their users make them: the Arrow Flight SQL JDBC driver
 * from its URL (what DBeaver and other JDBC tools do) and Arrow's {@link FlightSqlClient} (the Java API).
 */
// Arrow's FlightSqlClient and FlightStream declare close() throws InterruptedException, which try-with-resources warns of.
@SuppressWarnings("try")
final class FlightSqlClients {

    private FlightSqlClients() {
    }

    /** The JDBC URL of {@code server}'s Flight SQL port, plaintext, with {@code parameters} ({@code name=value}) added. */
    static String jdbcUrl(ContrailServer server, String... parameters) {
        return "jdbc:arrow-flight-sql://127.0.0.1:" + server.flightPort() + "?useEncryption=false"
                + (parameters.length == 0 ? "" : "&" + String.join("&", parameters));
    }

    /** A JDBC connection through the Arrow Flight SQL driver, found by {@link DriverManager} from the URL. */
    static Connection jdbc(ContrailServer server, String... parameters) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(server, parameters));
    }

    /** A plaintext Flight SQL client of {@code server}; closing it closes its connection. */
    static FlightSqlClient client(ContrailServer server, BufferAllocator allocator) {
        return new FlightSqlClient(FlightClient.builder(allocator,
                Location.forGrpcInsecure("127.0.0.1", server.flightPort())).build());
    }

    /** The call option that sends {@code token} as {@code authorization: Bearer TOKEN}. */
    static CallOption bearer(String token) {
        return new CredentialCallOption(new BearerCredentialWriter(token));
    }

    /** Every value of column {@code column} of every batch of {@code info}'s answer, in order. */
    static List<Object> column(FlightSqlClient client, FlightInfo info, int column, CallOption... options)
            throws Exception {
        List<Object> values = new ArrayList<>();
        try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket(), options)) {
            while (stream.next()) {
                VectorSchemaRoot batch = stream.getRoot();
                FieldVector vector = batch.getVector(column);
                for (int row = 0; row < batch.getRowCount(); row++) {
                    Object value = vector.getObject(row);
                    values.add(value == null ? null : value instanceof org.apache.arrow.vector.util.Text text
                            ? text.toString() : value);
                }
            }
        }
        return values;
    }

    /** The values of column {@code label} of every row of {@code rows}, which it closes. */
    static List<Object> column(ResultSet rows, String label) throws SQLException {
        List<Object> values = new ArrayList<>();
        try (rows) {
            while (rows.next()) {
                values.add(rows.getObject(label));
            }
        }
        return values;
    }
}
