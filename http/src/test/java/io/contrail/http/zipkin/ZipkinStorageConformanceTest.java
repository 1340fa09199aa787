package io.contrail.http.zipkin;

import io.contrail.http.ContrailServer;
import io.contrail.http.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import zipkin2.storage.StorageComponent;

/**
 * Zipkin's storage conformance suite ({@code io.zipkin.zipkin2:zipkin-tests}) run against {@link
 * ContrailStorage}, wired as Zipkin's own storages wire it: one outer class owning the store, one
 * {@code @Nested} subclass per suite.
 *
 * <p>The store is a real {@link ContrailServer} on a temporary data folder (write-ahead log,
 * Parquet files, DuckDB). A write is followed by {@link io.contrail.columnar.Store#flush()}, so
 * that reads see it at once instead of after the flush interval; between tests every span file is
 * deleted.
 *
 * <p>Not run: {@code ITSpanStoreHeavy} and {@code ITDependenciesHeavy}, which write 100,000 spans
 * in batches of 100, each followed here by a Parquet flush (a thousand flushes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZipkinStorageConformanceTest {

    private Path dataDir;
    private ContrailServer server;

    @BeforeAll
    void startServer() throws IOException {
        dataDir = Files.createTempDirectory("contrail-zipkin-conformance");
        server = ContrailServer.start(ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0));
    }

    @AfterAll
    void stopServer() throws IOException {
        server.close();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    StorageComponent.Builder newStorageBuilder() {
        return ContrailStorage.newBuilder(new io.contrail.ingest.Admission(server.store().sink(), 64L << 20), server.engine());
    }

    void flush() {
        try {
            server.store().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void clear() throws IOException {
        server.store().flush();
        for (Path file : server.store().files().layout().spanFiles()) {
            Files.delete(file);
        }
        server.engine().filesChanged();
    }

    @Nested
    class ITTraces extends zipkin2.storage.ITTraces<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITSpanStore extends zipkin2.storage.ITSpanStore<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITDependencies extends zipkin2.storage.ITDependencies<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITServiceAndSpanNames extends zipkin2.storage.ITServiceAndSpanNames<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITAutocompleteTags extends zipkin2.storage.ITAutocompleteTags<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITStrictTraceIdFalse extends zipkin2.storage.ITStrictTraceIdFalse<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }

    @Nested
    class ITSearchEnabledFalse extends zipkin2.storage.ITSearchEnabledFalse<ContrailStorage> {
        @Override
        protected StorageComponent.Builder newStorageBuilder(TestInfo testInfo) {
            return ZipkinStorageConformanceTest.this.newStorageBuilder();
        }

        @Override
        protected void blockWhileInFlight() {
            flush();
        }

        @Override
        protected void clear() throws IOException {
            ZipkinStorageConformanceTest.this.clear();
        }
    }
}
