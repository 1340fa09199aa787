package io.contrail.http;

import io.contrail.columnar.Compactor;
import io.contrail.columnar.Retention;
import io.contrail.columnar.Warehouse;
import io.contrail.ingest.RequestBody;
import io.contrail.ingest.sampling.SamplingConfig;
import io.contrail.query.QueryEngine;

import java.nio.file.Path;

/**
 * Everything {@link ContrailServer} needs, with the embedded defaults: data under
 * {@code ./contrail-data}, listening on 127.0.0.1:4318 (the OTLP/HTTP default port, so an
* OpenTelemetry SDK needs no configuration), every span kept (no sampling), compacting in the
 * background, no retention.
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Warehouse.Config warehouse,
                           QueryEngine.Config query, SamplingConfig sampling, Compactor.Config compaction,
                           Retention.Config retention) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 4318;
    public static final Path DEFAULT_DATA_DIR = Path.of("contrail-data");

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, RequestBody.DEFAULT_MAX_BODY_BYTES,
                Warehouse.Config.defaults(dataDir), QueryEngine.Config.defaults(dataDir), null,
                Compactor.Config.defaults(), Retention.Config.none());
    }

    public ServerConfig withAddress(String host, int port) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }

    public ServerConfig withWarehouse(Warehouse.Config warehouse) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }

    public ServerConfig withQuery(QueryEngine.Config query) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(host, port, bytes, warehouse, query, sampling, compaction, retention);
    }

    /** Tail sampling by {@code sampling}'s policies; null keeps every span (the default). */
    public ServerConfig withSampling(SamplingConfig sampling) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }

    public ServerConfig withCompaction(Compactor.Config compaction) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }

    public ServerConfig withRetention(Retention.Config retention) {
        return new ServerConfig(host, port, maxBodyBytes, warehouse, query, sampling, compaction, retention);
    }
}
