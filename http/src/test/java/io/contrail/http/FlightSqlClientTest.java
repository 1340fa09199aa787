package io.contrail.http;

import static io.contrail.http.FlightSqlClients.column;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arrow's Flight SQL Java client against a real server: an answer far larger than one batch arrives whole, also to
 * a client that pauses (the server waits for it), a prepared statement runs with the parameters bound to it (as
 * text, as the driver sends them, or typed, as ADBC sends Python values; one execution per row), times arrive as
 * UTC timestamps, and the engine's refusals arrive with its message and the status gRPC clients know; plus where
 * {@code serve} listens for Flight SQL by default.
 */
// Arrow's FlightSqlClient and FlightStream declare close() throws InterruptedException, which try-with-resources warns of.
@SuppressWarnings("try")
class FlightSqlClientTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
    private static BufferAllocator allocator;
    private static FlightSqlClient client;

    @TempDir
    Path scratch;

    @BeforeAll
    static void connect() {
        allocator = new RootAllocator();
        client = FlightSqlClients.client(server.server(), allocator);
    }

    @AfterAll
    static void disconnect() throws Exception {
        client.close();
        allocator.close();
    }

    @Test
    void anAnswerOfManyBatchesArrivesWhole() throws Exception {
        FlightInfo info = client.execute("SELECT range FROM range(300000)");
        assertThat(info.getSchemaOptional().orElseThrow().getFields()).extracting(Field::getName).containsExactly("range");

        long rows = 0;
        long sum = 0;
        int batches = 0;
        try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket())) {
            while (stream.next()) {
                batches++;
                BigIntVector range = (BigIntVector) stream.getRoot().getVector(0);
                for (int row = 0; row < stream.getRoot().getRowCount(); row++) {
                    sum += range.get(row);
                }
                rows += stream.getRoot().getRowCount();
            }
        }
        assertThat(rows).isEqualTo(300_000);
        assertThat(sum).isEqualTo(299_999L * 300_000 / 2);
        assertThat(batches).as("streamed batch by batch, not as one").isGreaterThan(1);
    }

    @Test
    void aClientThatStopsReadingForAWhileStillGetsTheWholeAnswer() throws Exception {
        // About 55 MB: more than gRPC buffers for a client that reads nothing, so the server has to wait for it.
        FlightInfo info = client.execute("SELECT range, repeat('x', 100) AS padding FROM range(500000)");
        long rows = 0;
        try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket())) {
            assertThat(stream.next()).isTrue();
            rows += stream.getRoot().getRowCount();
            // A slow client, not a synchronization: the answer must arrive whole however long it pauses.
            LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
            while (stream.next()) {
                rows += stream.getRoot().getRowCount();
            }
        }
        assertThat(rows).isEqualTo(500_000);
    }

    @Test
    void aPreparedStatementRunsWithTheParametersBoundToItOncePerRow() throws Exception {
        try (FlightSqlClient.PreparedStatement atLeast =
                     client.prepare("SELECT range FROM range(10) WHERE range >= ? ORDER BY 1")) {
            assertThat(atLeast.getResultSetSchema().getFields()).extracting(Field::getName).containsExactly("range");
            Schema parameters = atLeast.getParameterSchema();
            assertThat(parameters.getFields()).hasSize(1);

            VectorSchemaRoot asText = VectorSchemaRoot.create(parameters, allocator);
            ((VarCharVector) asText.getVector(0)).setSafe(0, "7".getBytes(StandardCharsets.UTF_8));
            asText.setRowCount(1);
            atLeast.setParameters(asText);
            assertThat(column(client, atLeast.execute(), 0)).containsExactly(7L, 8L, 9L);

            VectorSchemaRoot typed = VectorSchemaRoot.create(new Schema(List.of(
                    Field.nullable("$1", new ArrowType.Int(64, true)))), allocator);
            ((BigIntVector) typed.getVector(0)).setSafe(0, 8);
            typed.setRowCount(1);
            atLeast.setParameters(typed);
            assertThat(column(client, atLeast.execute(), 0)).containsExactly(8L, 9L);
        }

        try (FlightSqlClient.PreparedStatement equal = client.prepare("SELECT range FROM range(10) WHERE range = ?")) {
            VectorSchemaRoot rows = VectorSchemaRoot.create(equal.getParameterSchema(), allocator);
            ((VarCharVector) rows.getVector(0)).setSafe(0, "2".getBytes(StandardCharsets.UTF_8));
            ((VarCharVector) rows.getVector(0)).setSafe(1, "5".getBytes(StandardCharsets.UTF_8));
            rows.setRowCount(2);
            equal.setParameters(rows);
            assertThat(column(client, equal.execute(), 0)).as("one execution per row, one answer").containsExactly(2L, 5L);
        }
    }

    @Test
    void timesArriveAsUtcTimestamps() throws Exception {
        OtlpSpans.export(server, OtlpSpans.request().add("clock",
                span(traceId(7), spanId(7), "tick", SpanKind.SPAN_KIND_INTERNAL, START, Duration.ofMillis(1))));
        server.flush();

        FlightInfo info = client.execute("SELECT start_time FROM spans WHERE service_name = 'clock'");
        ArrowType.Timestamp type = (ArrowType.Timestamp) info.getSchemaOptional().orElseThrow().getFields().get(0).getType();
        assertThat(type.getTimezone()).isEqualTo("UTC");
        List<Object> values = column(client, info, 0);
        assertThat(values).hasSize(1);
        long value = (Long) values.get(0);
        long perSecond = switch (type.getUnit()) {
            case SECOND -> 1;
            case MILLISECOND -> 1_000;
            case MICROSECOND -> 1_000_000;
            case NANOSECOND -> 1_000_000_000;
        };
        assertThat(Instant.ofEpochSecond(value / perSecond, (value % perSecond) * (1_000_000_000 / perSecond)))
                .isEqualTo(START);
    }

    @Test
    void refusalsCarryTheEnginesMessageAndAGrpcStatus() {
        FlightRuntimeException syntax = catchThrowableOfType(FlightRuntimeException.class,
                () -> client.execute("SELECT name FROM spans WHERE"));
        assertThat(syntax.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
        assertThat(syntax.getMessage()).contains("syntax error").doesNotContain(server.dataDir().toString());

        FlightRuntimeException write = catchThrowableOfType(FlightRuntimeException.class,
                () -> client.execute("COPY (SELECT * FROM spans) TO 'out.parquet'"));
        assertThat(write.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
        assertThat(write.getMessage()).contains("only read-only queries are allowed");

        FlightRuntimeException update = catchThrowableOfType(FlightRuntimeException.class,
                () -> client.executeUpdate("DELETE FROM spans"));
        assertThat(update.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
        assertThat(update.getMessage()).contains("only reads");

        FlightRuntimeException unbound = catchThrowableOfType(FlightRuntimeException.class, () -> {
            try (FlightSqlClient.PreparedStatement statement = client.prepare("SELECT range FROM range(3) WHERE range = ?")) {
                column(client, statement.execute(), 0);
            }
        });
        assertThat(unbound.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
        assertThat(unbound.getMessage()).contains("1 placeholder").contains("no values were bound");
    }

    @Test
    void aQueryRunningPastTheTimeoutIsDeadlineExceeded() throws Exception {
        ServerConfig config = ServerConfig.defaults(scratch).withAddress("127.0.0.1", 0)
                .withGrpcPort(ServerConfig.GRPC_DISABLED);
        try (ContrailServer quick = ContrailServer.start(
                config.withQuery(config.query().withQueryTimeout(Duration.ofSeconds(1))));
             BufferAllocator own = new RootAllocator();
             FlightSqlClient impatient = FlightSqlClients.client(quick, own)) {
            long started = System.nanoTime();
            FlightRuntimeException late = catchThrowableOfType(FlightRuntimeException.class,
                    () -> column(impatient, impatient.execute("SELECT count(*) FROM range(1000000000000)"), 0));
            assertThat(late.status().code()).isEqualTo(FlightStatusCode.TIMED_OUT);
            assertThat(late.getMessage()).contains("ran longer than 1 s");
            assertThat(System.nanoTime() - started).as("interrupted, not run to the end")
                    .isLessThan(TimeUnit.SECONDS.toNanos(20));
        }
    }

    @Test
    void serveListensForFlightSqlOn4319ByDefaultAndOnAFreePortWithPortZero() throws Exception {
        for (String command : new String[] {"serve", "demo"}) {
            assertThat(DefaultEndpoints.commandWithoutOptions(command).flightPort()).as(command).isEqualTo(4319);
        }
        assertThat(ServerConfig.defaults(scratch).withAddress("127.0.0.1", 0).flightPort()).isZero();
        assertThat(server.server().flightPort()).as("the test's server took a free port").isPositive().isNotEqualTo(4319);
        assertThat(CommandLineTest.run("serve", "--help").out()).contains("--flight-port").contains("4319");
    }
}
