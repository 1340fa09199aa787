package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.tracesOf;
import static io.contrail.ingest.SpanFixtures.validSpan;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.contrail.columnar.DataFolderLock;
import io.contrail.columnar.SpanSampler;
import io.contrail.columnar.Warehouse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log takes a received OTLP protobuf body as it is when every span in it was
 * accepted (no second encoding), and never when a span was rejected or the body was JSON.
 */
class ReceivedBodyLoggingTest {

    @TempDir
    Path data;

    private static final TracesData VALID = tracesOf(validSpan("GET /cart", 1).build(),
            validSpan("SELECT cart", 2).build(), validSpan("GET /price", 3).build());

    @Test
    void aFullyAcceptedProtobufBodyIsItsOwnEncoding() throws Exception {
        byte[] body = VALID.toByteArray();
        DecodedSpans decoded = OtlpDecoder.decodeProtobuf(body);
        assertThat(decoded.encodedTraces()).isSameAs(body);
        assertThat(TracesData.parseFrom(decoded.encodedTraces())).isEqualTo(decoded.traces());
    }

    @Test
    void aBodyWithARejectedSpanIsNotLoggedAsReceived() {
        TracesData oneInvalid = tracesOf(validSpan("GET /cart", 1).build(),
                validSpan("no trace id", 2).setTraceId(ByteString.EMPTY).build());
        DecodedSpans decoded = OtlpDecoder.decodeProtobuf(oneInvalid.toByteArray());
        assertThat(decoded.rejectedSpans()).isEqualTo(1);
        assertThat(decoded.encodedTraces()).isNull();
    }

    @Test
    void aJsonBodyIsNotLoggedAsReceived() throws Exception {
        byte[] json = OtlpJsonText.of(ExportTraceServiceRequest.parseFrom(VALID.toByteArray()))
                .getBytes(StandardCharsets.UTF_8);
        DecodedSpans decoded = OtlpDecoder.decodeJson(json);
        assertThat(decoded.acceptedSpans()).isEqualTo(3);
        assertThat(decoded.encodedTraces()).isNull();
    }

    @Test
    void aGzippedBodyIsLoggedDecompressedSoItsSpansSurviveARestart() throws Exception {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(VALID.toByteArray());
        }
        DataFolderLock crashedProcess = DataFolderLock.acquire(data, "crashed");
        Warehouse crashed = Warehouse.open(Warehouse.Config.defaults(data)
                .withMaxBufferAge(Duration.ofHours(1)), SpanSampler.KEEP_ALL, crashedProcess);
        new SpanReceiver(crashed, RequestBody.DEFAULT_MAX_BODY_BYTES).receiveOtlp(OtlpEncoding.PROTOBUF,
                new ByteArrayInputStream(gzipped.toByteArray()), "gzip");
        // No close(): the process "dies" with the spans only in the write-ahead log, and the OS releases its claim.
        crashedProcess.close();
        try (Warehouse restarted = Warehouse.open(Warehouse.Config.defaults(data))) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(3);
            restarted.flush();
        }
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*), count(DISTINCT span_id) FROM read_parquet('"
                     + data.resolve("spans") + "/*/*/*.parquet')")) {
            rows.next();
            assertThat(rows.getLong(1)).isEqualTo(3);
            assertThat(rows.getLong(2)).isEqualTo(3);
        }
    }
}
