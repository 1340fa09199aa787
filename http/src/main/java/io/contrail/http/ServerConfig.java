package io.contrail.http;

import io.contrail.columnar.StoreConfig;
import io.contrail.http.tls.ServerCertificate;
import io.contrail.ingest.RequestBody;
import io.contrail.ingest.sampling.SamplingConfig;
import io.contrail.lake.LakeConfig;
import io.contrail.query.QueryEngine;

import java.nio.file.Path;

/**
 * Everything {@link ContrailServer} needs, with the embedded defaults: data under
 * {@code ./contrail-data}, listening on 127.0.0.1:4318 (the OTLP/HTTP default port, so an
 * OpenTelemetry SDK needs no configuration), on 127.0.0.1:4317 for OTLP/gRPC (the gRPC
 * default) and on 127.0.0.1:4319 for Arrow Flight SQL, every span kept (no sampling), compacting in the
 * background, no retention.
 *
 * @param grpcPort the OTLP/gRPC port on {@code host}: 0 picks a free one, {@link #GRPC_DISABLED} turns it off
 * @param flightPort the Arrow Flight SQL port on {@code host}: 0 picks a free one, {@link #FLIGHT_DISABLED} turns
 *                   it off
 * @param lake     the shared table this node writes and reads (several nodes on object storage); null: the data
 *                 folder alone, the embedded default
 * @param authFile the tokens every request must carry ({@code --auth}, see {@link io.contrail.http.auth.AccessTokens});
 *                 null: nothing is checked, the embedded default
 * @param tls      the certificate and key HTTP, OTLP/gRPC and Flight SQL serve TLS with ({@code --tls-cert},
 *                 {@code --tls-key}); null: plain HTTP and gRPC, the embedded default
 */
public record ServerConfig(String host, int port, int grpcPort, int flightPort, long maxBodyBytes, IngestBodyLimits bodies,
                           StoreConfig store, QueryEngine.Config query, SamplingConfig sampling, LakeConfig lake,
                           Path authFile, ServerCertificate tls) {

    /**
     * How ingest bodies are read before a permit is taken (see {@link IngestBodies}).
     *
     * @param timeout the longest a request body may take to arrive (408 after it)
     * @param maxBytesInFlight the most body bytes being read and held at once, by all requests together
     *     (at least maxBodyBytes is always allowed)
     */
    public record IngestBodyLimits(java.time.Duration timeout, long maxBytesInFlight) {
        public IngestBodyLimits {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the body timeout must be positive, got " + timeout);
            }
            if (maxBytesInFlight < 1) {
                throw new IllegalArgumentException("maxBytesInFlight must be at least 1, got " + maxBytesInFlight);
            }
        }

        public static IngestBodyLimits defaults() {
            return new IngestBodyLimits(IngestBodies.DEFAULT_BODY_TIMEOUT, IngestBodies.DEFAULT_MAX_BYTES_IN_FLIGHT);
        }
    }

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 4318;
    public static final int DEFAULT_GRPC_PORT = 4317;
    public static final int GRPC_DISABLED = -1;
    /** Next to OTLP's 4317 and 4318; no registered default exists for Flight SQL. */
    public static final int DEFAULT_FLIGHT_PORT = 4319;
    public static final int FLIGHT_DISABLED = -1;
    public static final Path DEFAULT_DATA_DIR = Path.of("contrail-data");
    /** The store's defaults, which the command line shows. */
    public static final StoreConfig STORE_DEFAULTS = StoreConfig.defaults(DEFAULT_DATA_DIR);

    public ServerConfig {
        if (grpcPort < GRPC_DISABLED || grpcPort > 65_535) {
            throw new IllegalArgumentException("gRPC port " + grpcPort
                    + " is not a port: use 1-65535, 0 for a free one or -1 to turn OTLP/gRPC off");
        }
        if (flightPort < FLIGHT_DISABLED || flightPort > 65_535) {
            throw new IllegalArgumentException("Flight SQL port " + flightPort
                    + " is not a port: use 1-65535, 0 for a free one or -1 to turn Flight SQL off");
        }
    }

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_GRPC_PORT, DEFAULT_FLIGHT_PORT,
                RequestBody.DEFAULT_MAX_BODY_BYTES, IngestBodyLimits.defaults(), StoreConfig.defaults(dataDir),
                QueryEngine.Config.defaults(dataDir), null, null, null, null);
    }

    /**
     * Listens on {@code host} and HTTP {@code port}. Port 0 (a free port, as tests and tools
     * embedding a server ask) gives OTLP/gRPC and Flight SQL free ports too, unless they are off, so
     * that such servers never compete for 4317 and 4319; {@link #withGrpcPort} and {@link #withFlightPort}
     * after this set them explicitly.
     */
    public ServerConfig withAddress(String host, int port) {
        int grpc = port == 0 && grpcPort != GRPC_DISABLED ? 0 : grpcPort;
        int flight = port == 0 && flightPort != FLIGHT_DISABLED ? 0 : flightPort;
        return new ServerConfig(host, port, grpc, flight, maxBodyBytes, bodies, store, query, sampling, lake, authFile, tls);
    }

    /** The OTLP/gRPC port: 0 picks a free one, {@link #GRPC_DISABLED} turns the receiver off. */
    public ServerConfig withGrpcPort(int grpcPort) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query, sampling, lake,
                authFile, tls);
    }

    /** The Arrow Flight SQL port: 0 picks a free one, {@link #FLIGHT_DISABLED} turns the endpoint off. */
    public ServerConfig withFlightPort(int flightPort) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query, sampling, lake,
                authFile, tls);
    }

    public ServerConfig withStore(java.util.function.UnaryOperator<StoreConfig> change) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, change.apply(store), query,
                sampling, lake, authFile, tls);
    }

    public ServerConfig withQuery(QueryEngine.Config query) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    public ServerConfig withMaxBodyBytes(long bytes) {
        return new ServerConfig(host, port, grpcPort, flightPort, bytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    public ServerConfig withBodies(IngestBodyLimits bodies) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    /** Tail sampling by {@code sampling}'s policies; null keeps every span (the default). */
    public ServerConfig withSampling(SamplingConfig sampling) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    /** Every request must carry a token of {@code authFile} (reloaded when it changes); null: nothing is checked. */
    public ServerConfig withAuthFile(Path authFile) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    /** HTTPS only on the HTTP port and gRPC over TLS on the OTLP/gRPC and Flight SQL ports, with {@code tls}; null: plain. */
    public ServerConfig withTls(ServerCertificate tls) {
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                sampling, lake, authFile, tls);
    }

    /**
     * One node of several sharing the table {@code lake} names; null: the data folder alone. A node's folder
     * keeps its log and the files on their way to the table, so its own compaction and retention are off:
     * the settings given for them (interval, target spans, age) become the table's, which one node at a time
     * maintains.
     */
    public ServerConfig withLake(LakeConfig lake) {
        if (lake == null) {
            return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, store, query,
                    sampling, null, authFile, tls);
        }
        LakeConfig shared = lake.withMaintenance(m -> m.withInterval(store.compaction().interval())
                .withTargetSpans(store.compaction().targetSpans()).withRetention(store.retention().maxAge()));
        StoreConfig local = store
                .withCompaction(c -> c.withInterval(java.time.Duration.ZERO))
                .withRetention(r -> StoreConfig.Retention.none());
        return new ServerConfig(host, port, grpcPort, flightPort, maxBodyBytes, bodies, local, query,
                sampling, shared, authFile, tls);
    }
}
