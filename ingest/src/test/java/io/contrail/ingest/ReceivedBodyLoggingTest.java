package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.tracesOf;
import static io.contrail.ingest.SpanFixtures.validSpan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log keeps every request as it was received, with its format, and a restart decodes
 * it again: exactly the spans that were acknowledged come back, whatever the protocol, gzip or not,
 * and spans the validator rejected stay rejected.
 */
class ReceivedBodyLoggingTest {

    @TempDir
    Path data;

    private static final TracesData VALID = tracesOf(validSpan("GET /cart", 1).build(),
            validSpan("SELECT cart", 2).build(), validSpan("GET /price", 3).build());

    private interface Request {
        void send(SpanReceiver receiver) throws Exception;
    }

    /**
     * Sends through a receiver, "crashes" — copies the data folder as a kill -9 leaves it, with the spans only in
     * the write-ahead log — restarts on the copy and flushes; returns the names stored.
     */
    private List<String> recoveredNames(Request request) throws Exception {
        Path crashed = data.resolve("crashed");
        Path restarted = data.resolve("restarted");
        try (Store running = Store.builder(StoreConfig.defaults(crashed)
                        .withWrites(writes -> writes.withMaxBufferAge(Duration.ofHours(1))))
                .decoder(RequestFormat.DECODER).open()) {
            request.send(new SpanReceiver(running.sink(), RequestBody.DEFAULT_MAX_BODY_BYTES));
            copyFolder(crashed, restarted);
        }
        try (Store store = Store.builder(StoreConfig.defaults(restarted)).decoder(RequestFormat.DECODER).open()) {
            store.flush();
        }
        List<String> names = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name FROM read_parquet('"
                     + restarted.resolve("spans") + "/*/*/*.parquet') ORDER BY name")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
            }
        }
    }

    private static byte[] gzip(byte[] body) throws Exception {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(body);
        }
        return gzipped.toByteArray();
    }

    @Test
    void aProtobufBodyIsRecoveredAsAcknowledged() throws Exception {
        assertThat(recoveredNames(receiver -> receiver.receiveOtlp(OtlpEncoding.PROTOBUF,
                new ByteArrayInputStream(VALID.toByteArray()), null)))
                .containsExactly("GET /cart", "GET /price", "SELECT cart");
    }

    @Test
    void aGzippedBodyIsLoggedAsReceivedAndItsSpansSurviveARestart() throws Exception {
        assertThat(recoveredNames(receiver -> receiver.receiveOtlp(OtlpEncoding.PROTOBUF,
                new ByteArrayInputStream(gzip(VALID.toByteArray())), "gzip")))
                .containsExactly("GET /cart", "GET /price", "SELECT cart");
    }

    @Test
    void aRejectedSpanOfALoggedBodyStaysRejectedOnRestart() throws Exception {
        TracesData oneInvalid = tracesOf(validSpan("GET /cart", 1).build(),
                validSpan("no trace id", 2).setTraceId(ByteString.EMPTY).build());
        assertThat(recoveredNames(receiver -> assertThat(receiver.receiveOtlp(OtlpEncoding.PROTOBUF,
                new ByteArrayInputStream(oneInvalid.toByteArray()), null).rejectedSpans()).isEqualTo(1)))
                .containsExactly("GET /cart");
    }

    @Test
    void aJsonBodyIsRecoveredAsAcknowledged() throws Exception {
        byte[] json = OtlpJsonText.of(ExportTraceServiceRequest.parseFrom(VALID.toByteArray()))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(recoveredNames(receiver -> receiver.receiveOtlp(OtlpEncoding.JSON,
                new ByteArrayInputStream(gzip(json)), "gzip")))
                .containsExactly("GET /cart", "GET /price", "SELECT cart");
    }

    @Test
    void zipkinSpansAreRecoveredAsAcknowledged() throws Exception {
        zipkin2.Span span = zipkin2.Span.newBuilder().traceId("463ac35c9f6413ad48485a3953bb6124").id("a2fb4a1d1a96d312")
                .name("get /zipkin").localEndpoint(zipkin2.Endpoint.newBuilder().serviceName("frontend").build())
                .timestamp(1_764_000_000_000_000L).duration(1_000L).build();
        byte[] json = zipkin2.codec.SpanBytesEncoder.JSON_V2.encodeList(List.of(span));
        assertThat(recoveredNames(receiver -> {
            receiver.receiveZipkin(new ByteArrayInputStream(json), null);
            receiver.receiveZipkin(List.of(span.toBuilder().id("b2fb4a1d1a96d312").name("post /zipkin").build()));
        })).containsExactly("get /zipkin", "post /zipkin");
    }
}
