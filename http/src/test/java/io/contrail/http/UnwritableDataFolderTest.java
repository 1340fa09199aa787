package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.google.rpc.Status;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data folder becomes unwritable while the server runs ({@code chmod -R a-w}), then writable
 * again: ingest answers 503 with Retry-After and a message naming the cause, the log says what
 * fails, nothing acknowledged is lost or stored twice, no half-written Parquet file is ever visible,
 * and ingest resumes without a restart once the folder is writable again.
 *
 * <p>Root ignores file permissions, so the server runs as root without {@code CAP_DAC_OVERRIDE}
 * and {@code CAP_DAC_READ_SEARCH} ({@code setpriv}): it owns the data folder and is then bound by
 * its owner bits like any user. Where that is impossible (not root, no {@code setpriv}) the test
 * is skipped and says why.
 */
class UnwritableDataFolderTest {

    /** Drops the two capabilities that let root ignore file permissions, for the child and its children. */
    private static final List<String> WITHOUT_PERMISSION_OVERRIDE = List.of("setpriv",
            "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search");
    private static final int TRACES_PER_REQUEST = 10;
    /**
     * Small (about 3,000 spans of the workload), so that the spans acknowledged while nothing can be
     * written fill the buffer within seconds.
     */
    private static final String MAX_BUFFERED_BYTES = "2MB";

    @TempDir
    Path scratch;

    private Path data;

    @AfterEach
    void makeWritableForCleanup() throws Exception {
        if (data != null) {
            run("chmod", "-R", "u+w", data.toString());
        }
    }

    @Test
    void anUnwritableDataFolderIsAnswered503AndIngestResumesWhenItIsWritableAgainWithNothingLost() throws Exception {
        assumeThat(run("id", "-u").strip()).as("running as root (only root can drop the capabilities)").isEqualTo("0");
        assumeThat(exitCode(WITHOUT_PERMISSION_OVERRIDE, "true"))
                .as("setpriv can drop CAP_DAC_OVERRIDE here").isZero();
        data = Files.createDirectories(scratch.resolve("data"));
        Workload workload = Workload.builder().seed(47).build();
        Map<String, Long> acknowledged = new HashMap<>();

        try (ChildServer server = ChildServer.start(WITHOUT_PERMISSION_OVERRIDE, List.of("-Xmx512m"), data,
                scratch.resolve("server.log"), "--flush-interval", "200", "--compact-interval", "0",
                "--max-buffered-bytes", MAX_BUFFERED_BYTES)) {
            for (int i = 0; i < 5; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
                assertThat(server.postOtlp(request.toByteArray()).statusCode()).as("ingest before").isEqualTo(200);
                count(request, acknowledged);
            }
            awaitStored(server, acknowledged);

            run("chmod", "-R", "a-w", data.toString());
            // The open log segment still takes appends; once spans wait for Parquet up to the bound, refusals come.
            ExportTraceServiceRequest refusedRequest = null;
            HttpResponse<byte[]> refused = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (refused == null) {
                assertThat(System.nanoTime() < deadline).as("ingest refused within 60 s of the folder becoming "
                        + "unwritable").isTrue();
                ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
                HttpResponse<byte[]> response = server.postOtlp(request.toByteArray());
                if (response.statusCode() == 200) {
                    count(request, acknowledged);
                } else {
                    refused = response;
                    refusedRequest = request;
                }
            }
            // The buffer can fill before the flusher's first attempt fails; from that failure on, refusals say why.
            String message = Status.parseFrom(refused.body()).getMessage();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!message.contains("writing them fails")) {
                assertThat(refused.statusCode()).as("refusal: %s", message).isEqualTo(503);
                assertThat(System.nanoTime() < deadline).as("a refusal naming why flushes fail within 30 s; "
                        + "the last: %s", message).isTrue();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(
                        Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())));
                refused = server.postOtlp(refusedRequest.toByteArray());
                message = Status.parseFrom(refused.body()).getMessage();
            }
            assertThat(refused.statusCode()).as("refusal: %s", message).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).as("Retry-After").isPresent();
            assertThat(message).as("the refusal names the cause").contains("ingest buffer full")
                    .contains("writing them fails: ").contains("Permission denied")
                    .as("no server path in an HTTP answer").doesNotContain(data.toString());
            assertThat(server.output()).as("the server log says what fails")
                    .containsPattern("ERROR .*will retry .*" + data + ".*: Permission denied");
            assertEveryParquetFileReads();
            assertThat(server.process().isAlive()).isTrue();
            System.out.println("UnwritableDataFolderTest: refused with \"" + message + "\"; first log line: "
                    + server.output().lines().filter(line -> line.contains("ERROR")).findFirst().orElseThrow());

            run("chmod", "-R", "u+w", data.toString());
            byte[] retried = refusedRequest.toByteArray();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (HttpResponse<byte[]> again = refused; again.statusCode() != 200; again = server.postOtlp(retried)) {
                String answer = again.statusCode() + " " + Status.parseFrom(again.body()).getMessage();
                assertThat(again.statusCode()).as("while catching up: %s", answer).isEqualTo(503);
                assertThat(System.nanoTime() < deadline).as("ingest resumed without a restart within 60 s; "
                        + "the last answer: %s", answer).isTrue();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(
                        Long.parseLong(again.headers().firstValue("Retry-After").orElseThrow())));
            }
            count(refusedRequest, acknowledged);
            // The first request taken leaves the buffer near its bound until the backlog is written (slow on a
            // loaded machine): new ingest is accepted once what waited is stored.
            awaitStored(server, acknowledged);
            for (int i = 0; i < 5; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
                assertThat(server.postOtlp(request.toByteArray()).statusCode()).as("ingest after").isEqualTo(200);
                count(request, acknowledged);
            }
            awaitStored(server, acknowledged);
            assertThat(server.duplicateSpans()).as("spans stored twice").isZero();
            assertEveryParquetFileReads();
        }
    }

    /** Polls {@code POST /api/sql} until every acknowledged span is stored, per trace, exactly once. */
    private static void awaitStored(ChildServer server, Map<String, Long> acknowledged) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Long> stored = server.storedSpansPerTrace();
        while (!stored.equals(acknowledged) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            stored = server.storedSpansPerTrace();
        }
        assertThat(stored).as("spans per trace: stored vs acknowledged").isEqualTo(acknowledged);
    }

    /** Every visible Parquet file under spans/ is whole: DuckDB reads all of its rows. */
    private void assertEveryParquetFileReads() throws IOException, SQLException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(data.resolve("spans"))) {
            files = paths.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
        assertThat(files).as("Parquet files").isNotEmpty();
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duckdb.createStatement()) {
            for (Path file : files) {
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM read_parquet('"
                        + file.toString().replace("'", "''") + "')")) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getLong(1)).as("rows of %s", file).isPositive();
                }
            }
        }
    }

    private static void count(ExportTraceServiceRequest request, Map<String, Long> into) {
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    into.merge(HexFormat.of().formatHex(span.getTraceId().toByteArray()), 1L, Long::sum);
                }
            }
        }
    }

    /** Runs a command that must succeed and returns its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
        return output;
    }

    private static int exitCode(List<String> prefix, String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(Stream.concat(prefix.stream(), Stream.of(command)).toList())
                    .redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor();
        } catch (IOException e) {
            return -1;
        }
    }
}
