package io.contrail.lake;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a node keeps its spans beyond its own disk: the S3 bucket and prefix of the shared table's files,
 * the S3 endpoint (null: AWS itself), the JDBC URL of the Iceberg catalog database, and this node's name.
 * Credentials come from the AWS SDK's default chain (environment variables {@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY}, the profile file, ...); the region from {@code AWS_REGION}, else
 * {@value #DEFAULT_REGION}.
 *
 * @param bucket          the S3 bucket
 * @param prefix          the key prefix under which the table lives (no leading or trailing slash; may be empty)
 * @param s3Endpoint      an S3-compatible server's URL, or null for AWS
 * @param catalogUrl      the catalog database, e.g. {@code jdbc:postgresql://db:5432/contrail?user=u&password=p}
 * @param nodeId          this node's name, unique among the nodes sharing the table; null: the data folder's own
 * @param pollInterval    how often a node looks for other nodes' commits
 * @param maxPendingBytes span files on local disk not yet in the table, past which ingest is refused (503)
 * @param cacheBytes      bytes of the table's span files this node keeps on disk for queries (the newest, and
 *                        those queries used last); 0 keeps the whole table. A query that needs more is refused
 * @param maintenance     the table's compaction, retention and snapshot expiry, run by one node at a time
 * @param table           the table's name in the catalog's {@value #NAMESPACE} namespace: {@value #TABLE}, or a
 *                        tenant's ({@link #forTenant})
 */
public record LakeConfig(String bucket, String prefix, URI s3Endpoint, String catalogUrl, String nodeId,
                         Duration pollInterval, long maxPendingBytes, long cacheBytes, Maintenance maintenance,
                         String table) {

    /**
     * What the maintainer does to the table (one node at a time holds the catalog database's lock for a pass).
     *
     * @param interval       time between passes; zero turns the maintainer off on this node
     * @param targetSpans    spans per compacted file at most; a partition's files under half of it are merged
     * @param retention      hour partitions that ended longer ago than this are deleted; null keeps all
     * @param snapshotMaxAge snapshots older than this are expired (the newest {@link #SNAPSHOTS_KEPT} always stay),
     *                       and with them the files only they referenced
     * @param orphanMinAge   objects under the table's data folder that no snapshot references are deleted once
     *                       older than this (an upload whose commit failed)
     */
    public record Maintenance(Duration interval, int targetSpans, Duration retention, Duration snapshotMaxAge,
                              Duration orphanMinAge) {
        public static final Duration DEFAULT_SNAPSHOT_MAX_AGE = Duration.ofMinutes(10);
        public static final Duration DEFAULT_ORPHAN_MIN_AGE = Duration.ofHours(1);
        public static final int SNAPSHOTS_KEPT = 10;

        public static Maintenance defaults() {
            return new Maintenance(Duration.ofMinutes(1), 1_000_000, null, DEFAULT_SNAPSHOT_MAX_AGE,
                    DEFAULT_ORPHAN_MIN_AGE);
        }

        public Maintenance withInterval(Duration every) {
            return new Maintenance(every, targetSpans, retention, snapshotMaxAge, orphanMinAge);
        }

        public Maintenance withTargetSpans(int spans) {
            return new Maintenance(interval, spans, retention, snapshotMaxAge, orphanMinAge);
        }

        public Maintenance withRetention(Duration age) {
            return new Maintenance(interval, targetSpans, age, snapshotMaxAge, orphanMinAge);
        }
    }

    public static final String DEFAULT_REGION = "us-east-1";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    public static final long DEFAULT_MAX_PENDING_BYTES = 1024L * 1024 * 1024;
    /** The namespace and name of the table in the catalog. */
    public static final String NAMESPACE = "contrail";
    public static final String TABLE = "spans";
    /** A node's name: what S3 keys and the table's snapshot summaries carry. */
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.]{0,62}");
    /** S3 bucket naming rules (lower-case letters, digits, dots and hyphens; 3 to 63 characters). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public LakeConfig {
        if (nodeId != null && !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("--node-id must be 1 to 63 letters, digits, '_' or '.', starting with a "
                    + "letter or digit (it becomes part of S3 keys); got '" + nodeId + "'");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("the lake's poll interval must be positive");
        }
        if (maxPendingBytes <= 0) {
            throw new IllegalArgumentException("--max-pending-upload must be positive");
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("--cache-size must be positive, or 0 to keep the whole table");
        }
    }

    /**
     * The configuration for {@code --storage s3://BUCKET/PREFIX}, {@code --s3-endpoint URL} (may be null) and
     * {@code --catalog JDBC-URL}, with default settings otherwise.
     *
     * @throws IllegalArgumentException naming the option and what is wrong with it
     */
    public static LakeConfig parse(String storage, String s3Endpoint, String catalogUrl) {
        URI uri;
        try {
            uri = new URI(storage);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--storage must look like s3://BUCKET/PREFIX; '" + storage
                    + "' is not a URI: " + e.getReason());
        }
        if (!"s3".equalsIgnoreCase(uri.getScheme()) || uri.getAuthority() == null) {
            throw new IllegalArgumentException("--storage must look like s3://BUCKET/PREFIX (an S3 bucket, on AWS or "
                    + "the server --s3-endpoint names); got '" + storage + "'");
        }
        String bucket = uri.getAuthority();
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("--storage: '" + bucket + "' is not a valid S3 bucket name (3 to 63 "
                    + "lower-case letters, digits, '.' or '-')");
        }
        String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+|/+$", "");
        URI endpoint = null;
        if (s3Endpoint != null && !s3Endpoint.isBlank()) {
            try {
                endpoint = new URI(s3Endpoint);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("--s3-endpoint must be a URL such as http://127.0.0.1:9000; got '"
                        + s3Endpoint + "'");
            }
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
                throw new IllegalArgumentException("--s3-endpoint must be an http:// or https:// URL; got '"
                        + s3Endpoint + "'");
            }
        }
        if (catalogUrl == null || !catalogUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--catalog must be the JDBC URL of the catalog database, e.g. "
                    + "jdbc:postgresql://HOST:5432/DB?user=USER&password=PASSWORD; got '" + catalogUrl + "'");
        }
        return new LakeConfig(bucket, prefix, endpoint, catalogUrl, null, DEFAULT_POLL_INTERVAL,
                DEFAULT_MAX_PENDING_BYTES, 0, Maintenance.defaults(), TABLE);
    }

    public LakeConfig withNodeId(String id) {
        return new LakeConfig(bucket, prefix, s3Endpoint, catalogUrl, id, pollInterval, maxPendingBytes, cacheBytes, maintenance, table);
    }

    public LakeConfig withPollInterval(Duration every) {
        return new LakeConfig(bucket, prefix, s3Endpoint, catalogUrl, nodeId, every, maxPendingBytes, cacheBytes, maintenance, table);
    }

    public LakeConfig withMaxPendingBytes(long bytes) {
        return new LakeConfig(bucket, prefix, s3Endpoint, catalogUrl, nodeId, pollInterval, bytes, cacheBytes, maintenance, table);
    }

    public LakeConfig withMaintenance(java.util.function.UnaryOperator<Maintenance> change) {
        return new LakeConfig(bucket, prefix, s3Endpoint, catalogUrl, nodeId, pollInterval, maxPendingBytes,
                cacheBytes, change.apply(maintenance), table);
    }

    public LakeConfig withCacheBytes(long bytes) {
        return new LakeConfig(bucket, prefix, s3Endpoint, catalogUrl, nodeId, pollInterval, maxPendingBytes, bytes,
                maintenance, table);
    }

    /**
     * The table of the tenant {@code tenant}: its own table in the catalog ({@link #tenantTable}) and its own place
     * in the bucket, {@code PREFIX/tenants/TENANT}, outside the default table's data folder. Every other setting is
     * this one's.
     */
    public LakeConfig forTenant(String tenant) {
        String own = (prefix.isEmpty() ? "" : prefix + "/") + "tenants/" + tenant;
        return new LakeConfig(bucket, own, s3Endpoint, catalogUrl, nodeId, pollInterval, maxPendingBytes, cacheBytes,
                maintenance, tenantTable(tenant));
    }

    /**
     * A tenant's table name: {@code spans__} and the name with every character but a lower-case letter or digit
     * written as {@code _} and two hex digits, so that no two tenants share a table (nor differ only in case) and
     * the name needs no quoting in Spark or Trino: {@code shop} → {@code spans__shop}, {@code a-b} →
     * {@code spans__a_2db}.
     */
    static String tenantTable(String tenant) {
        StringBuilder name = new StringBuilder(TABLE).append("__");
        for (char c : tenant.toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                name.append(c);
            } else {
                name.append('_').append(String.format("%02x", (int) c));
            }
        }
        return name.toString();
    }

    /** The table's location: {@code s3://bucket/prefix}. */
    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** The catalog URL without its password, for logs and {@code /health}. */
    public String catalogForDisplay() {
        return catalogUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
