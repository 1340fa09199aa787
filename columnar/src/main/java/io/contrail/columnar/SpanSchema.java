package io.contrail.columnar;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one definition of how a span is stored: every Parquet writer, SQL view and document
 * derives its columns from here.
 *
 * <p>One row per span. Fixed columns hold the OTLP span fields; every span attribute becomes its own
 * typed column {@code "attr.<key>"} and every resource attribute a column {@code "resource.<key>"},
 * holding only the keys present in that file (files are read with DuckDB's {@code union_by_name}).
 * This layout was chosen by measurement — see {@code docs/schema.md}. A change to the stored columns
 * is a new {@link #VERSION} with a migration note in {@code docs/schema.md}.
 *
 * <p>Version 2 (written now) stores every fixed column but the {@linkplain Column#derivation derived}
 * ones ({@code end_time}), which the {@code spans} view computes; version 1 files stored them too.
 * Readers take both side by side: they never read a derived column from a file.
 *
 * <p>Over 400 lines on purpose: STYLE.md wants the one schema definition in one file with a comment on each
 * column, and the rules that name its values (service name, promoted columns, kind and status names) with it.
 * The row-order sort is in {@link StoredOrder}.
 */
public final class SpanSchema {

    /** Written into every Parquet file's key/value metadata under {@link #VERSION_METADATA_KEY}. */
    public static final int VERSION = 2;
    public static final String VERSION_METADATA_KEY = "contrail.schema_version";

    /** Prefix of the per-key columns holding span attributes, e.g. {@code "attr.http.route"}. */
    public static final String SPAN_ATTRIBUTE_PREFIX = "attr.";
    /** Prefix of the per-key columns holding resource attributes, e.g. {@code "resource.host.name"}. */
    public static final String RESOURCE_ATTRIBUTE_PREFIX = "resource.";

    /**
     * The column holding, as a {@code MAP(VARCHAR, VARCHAR)} of key to value as text, the span attributes whose
     * keys have no column of their own: keys past the bound on attribute columns (an application putting IDs
     * into attribute keys). A file has it only when it has such keys.
     */
    public static final String SPAN_ATTRIBUTE_OVERFLOW = "attr_overflow";
    /** The same for resource attributes. */
    public static final String RESOURCE_ATTRIBUTE_OVERFLOW = "resource_overflow";

    /** The {@code service_name} of spans whose resource has no non-empty string {@code service.name}. */
    public static final String UNKNOWN_SERVICE = "unknown_service";

    /**
     * The first instant not stored: 2262-01-01T00:00:00Z. Span, end and event times are stored as
     * {@code TIMESTAMP_NS}, signed 64-bit nanoseconds that DuckDB can read up to
     * 2262-04-11T23:47:16.854775806Z; the bound keeps a margin below that so that SQL adding an
     * interval to a stored time does not overflow. Times from the Unix epoch up to this are stored.
     */
    public static final Instant END_OF_STORED_TIME = Instant.parse("2262-01-01T00:00:00Z");
    private static final long END_OF_STORED_TIME_UNIX_NANO = END_OF_STORED_TIME.getEpochSecond() * 1_000_000_000L;

    /**
     * Whether a time, as the unsigned {@code fixed64} OTLP sends, can be stored: from the Unix epoch
     * (0) up to, not including, {@link #END_OF_STORED_TIME}. Values of 2^63 and above, negative as a
     * Java {@code long}, would otherwise read as dates before 1970.
     */
    public static boolean isStorableTime(long unixNano) {
        return Long.compareUnsigned(unixNano, END_OF_STORED_TIME_UNIX_NANO) < 0;
    }

    /**
     * Why an attribute key (of a span, resource, event or link) cannot be stored exactly, or null
     * when it can. A key must not contain U+0000 (a column name cannot hold it: DuckDB's SQL and the
     * Arrow C interface end names there) nor a lone UTF-16 surrogate (it has no UTF-8 form, so it
     * would be stored as '?' and could meet another key's column).
     */
    public static String attributeKeyProblem(String key) {
        // Runs for every key of every span: one range test per character, the details only on a hit.
        int length = key.length();
        int i = 0;
        while (i < length) {
            char c = key.charAt(i);
            if (c == 0 || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                break;
            }
            i++;
        }
        if (i == length) {
            return null;
        }
        for (; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == 0) {
                return "contains U+0000 (NUL)";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                    i++;
                } else {
                    return "contains a lone UTF-16 surrogate (U+" + String.format("%04X", (int) c)
                            + "), which has no UTF-8 form";
                }
            }
        }
        return null;
    }

    /**
     * The form of a column name under which DuckDB finds it: ASCII letters lower-cased, every other
     * character as it is. DuckDB's names are case-insensitive for ASCII only ({@code "attr.É"} and
     * {@code "attr.é"}, or the Kelvin sign and {@code k}, are different columns), so Java's Unicode
     * lower-casing would merge keys DuckDB keeps apart.
     */
    public static String foldedColumnName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] chars = name.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    if (chars[j] >= 'A' && chars[j] <= 'Z') {
                        chars[j] = (char) (chars[j] + ('a' - 'A'));
                    }
                }
                return new String(chars);
            }
        }
        return name;
    }

    /** The resource attribute naming the service that emitted a span. */
    public static final String SERVICE_NAME_ATTRIBUTE = "service.name";

    /**
     * What {@code service_name} holds for spans of a resource whose last {@link #SERVICE_NAME_ATTRIBUTE}
     * attribute (as with any repeated key, the later wins, which is also what {@code resource.service.name}
     * holds) is the string {@code value}; null when there is none or it is not a string. A non-empty string is
     * the service; anything else is {@link #UNKNOWN_SERVICE}. The one rule for every component that names or
     * groups spans by service: decoders, the writer, tail sampling and its statistics.
     */
    public static String serviceName(String value) {
        return value == null || value.isEmpty() ? UNKNOWN_SERVICE : value;
    }

    /** What {@code service_name} holds for spans of {@code resource} ({@link #serviceName}). */
    public static String serviceNameOf(Resource resource) {
        AnyValue last = null;
        for (KeyValue kv : resource.getAttributesList()) {
            if (kv.getKey().equals(SERVICE_NAME_ATTRIBUTE)) {
                last = kv.getValue();
            }
        }
        return serviceName(last != null && last.hasStringValue() ? last.getStringValue() : null);
    }

    // Initialized before COLUMNS: ZipkinVocabulary, which COLUMNS reads, reads these as it initializes.
    /** What the {@code kind} column holds, by OTLP {@code SpanKind} number; a number not listed is stored as UNSPECIFIED. */
    static final List<String> KIND_NAMES = List.of("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER");
    /** What the {@code status_code} column holds, by OTLP {@code Status.StatusCode} number; a number not listed is UNSET. */
    static final List<String> STATUS_NAMES = List.of("UNSET", "OK", "ERROR");

    /** The {@code kind} of a span of OTLP {@code SpanKind} number {@code otlpKind} ({@link #KIND_NAMES}). */
    static String kindName(int otlpKind) {
        return KIND_NAMES.get(otlpKind >= 0 && otlpKind < KIND_NAMES.size() ? otlpKind : 0);
    }

    /** The {@code status_code} of a span of OTLP {@code Status.StatusCode} number {@code otlpCode} ({@link #STATUS_NAMES}). */
    static String statusName(int otlpCode) {
        return STATUS_NAMES.get(otlpCode >= 0 && otlpCode < STATUS_NAMES.size() ? otlpCode : 0);
    }

    /** How a fixed column travels from Java to the Parquet file. */
    public enum Staging {
        /** Arrow utf8, stored as VARCHAR. */
        VARCHAR,
        /** Arrow int64, stored as BIGINT. */
        BIGINT,
        /** Arrow int64, stored as INTEGER. */
        INTEGER,
        /** Arrow float64, stored as DOUBLE. */
        DOUBLE,
        /** Arrow int64 of Unix nanoseconds, stored as TIMESTAMP_NS (UTC). */
        TIMESTAMP_NS,
        /** Arrow utf8 holding a JSON array of events, stored as a LIST of STRUCT. */
        EVENTS,
        /** Arrow utf8 holding a JSON array of links, stored as a LIST of STRUCT. */
        LINKS
    }

    /**
     * A fixed column.
     *
     * @param name        the column name in Parquet and SQL
     * @param sqlType     the DuckDB type a reader sees
     * @param staging     how the writer carries it
     * @param description what it holds
     * @param otlpSource  the OTLP field it comes from
     * @param zipkinSource the Zipkin v2 field it comes from
     * @param derivation   null for a column stored in every file; else the SQL (over the stored columns) by
     *                     which readers compute it: schema v2 files do not store it
     * @param promotedFrom for a promoted column, the span attribute keys it copies (see {@link #PROMOTED_COLUMNS});
     *                     empty for the others
     */
    public record Column(String name, String sqlType, Staging staging, String description,
                         String otlpSource, String zipkinSource, String derivation, List<String> promotedFrom) {

        public Column {
            promotedFrom = List.copyOf(promotedFrom);
        }

        /** A column stored in every file. */
        Column(String name, String sqlType, Staging staging, String description, String otlpSource,
               String zipkinSource) {
            this(name, sqlType, staging, description, otlpSource, zipkinSource, null, List.of());
        }

        /** A column readers compute from the stored ones by {@code derivation}. */
        Column(String name, String sqlType, Staging staging, String description, String otlpSource,
               String zipkinSource, String derivation) {
            this(name, sqlType, staging, description, otlpSource, zipkinSource, derivation, List.of());
        }

        public boolean stored() {
            return derivation == null;
        }

        public boolean promoted() {
            return !promotedFrom.isEmpty();
        }
    }

    /** A promoted column: stored in every file, copied from the span attributes {@code keys}. */
    private static Column promoted(String name, Staging staging, String description, String zipkinSource,
                                   String... keys) {
        String sqlType = switch (staging) {
            case VARCHAR -> "VARCHAR";
            case BIGINT -> "BIGINT";
            default -> throw new IllegalArgumentException("a promoted column is VARCHAR or BIGINT, not " + staging);
        };
        return new Column(name, sqlType, staging, description, "attribute " + String.join(" or ", keys), zipkinSource,
                null, List.of(keys));
    }

    static final String EVENT_STRUCT =
            "STRUCT(\"time\" TIMESTAMP_NS, \"name\" VARCHAR, attributes JSON, dropped_attributes_count INTEGER)";
    static final String LINK_STRUCT =
            "STRUCT(trace_id VARCHAR, span_id VARCHAR, trace_state VARCHAR, attributes JSON, dropped_attributes_count INTEGER)";

    /** The fixed columns, in the order of the {@code spans} view (and of v1 files, which stored them all). */
    public static final List<Column> COLUMNS = List.of(
            new Column("trace_id", "VARCHAR", Staging.VARCHAR,
                    "Trace ID, 32 lower-case hex digits", "Span.trace_id", "traceId (64-bit IDs left-padded with zeros)"),
            new Column("span_id", "VARCHAR", Staging.VARCHAR,
                    "Span ID, 16 lower-case hex digits", "Span.span_id", "id"),
            new Column("parent_span_id", "VARCHAR", Staging.VARCHAR,
                    "Parent span ID, 16 lower-case hex digits; NULL for a root span", "Span.parent_span_id", "parentId"),
            new Column("trace_state", "VARCHAR", Staging.VARCHAR,
                    "W3C tracestate; NULL when empty", "Span.trace_state", "tag " + ZipkinVocabulary.TRACE_STATE_TAG),
            new Column("service_name", "VARCHAR", Staging.VARCHAR,
                    "Service that emitted the span; 'unknown_service' when absent",
                    "Resource attribute service.name", "localEndpoint.serviceName"),
            new Column("name", "VARCHAR", Staging.VARCHAR,
                    "Span (operation) name", "Span.name", "name"),
            new Column("kind", "VARCHAR", Staging.VARCHAR,
                    "UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER or CONSUMER", "Span.kind", "kind (absent: INTERNAL)"),
            new Column("start_time", "TIMESTAMP_NS", Staging.TIMESTAMP_NS,
                    "Start, UTC, nanosecond precision", "Span.start_time_unix_nano", "timestamp (µs)"),
            new Column("end_time", "TIMESTAMP_NS", Staging.TIMESTAMP_NS,
                    "End, UTC, nanosecond precision: start_time + duration_nanos",
                    "Span.end_time_unix_nano", "timestamp + duration (µs)",
                    "make_timestamp_ns(epoch_ns(start_time) + duration_nanos)"),
            new Column("duration_nanos", "BIGINT", Staging.BIGINT,
                    "end - start in nanoseconds", "derived", "duration (µs)"),
            new Column("status_code", "VARCHAR", Staging.VARCHAR,
                    "UNSET, OK or ERROR", "Span.status.code", "tag " + ZipkinVocabulary.STATUS_CODE_TAG + ", else tag "
                            + ZipkinVocabulary.ERROR_TAG + " present: ERROR"),
            new Column("status_message", "VARCHAR", Staging.VARCHAR,
                    "Status description; NULL when empty", "Span.status.message", "tag "
                            + ZipkinVocabulary.STATUS_DESCRIPTION_TAG + ", else tag " + ZipkinVocabulary.ERROR_TAG
                            + " value unless true"),
            new Column("scope_name", "VARCHAR", Staging.VARCHAR,
                    "Instrumentation scope name", "ScopeSpans.scope.name", "tag " + ZipkinVocabulary.SCOPE_NAME_TAG
                            + ", else '" + ZipkinVocabulary.DEFAULT_SCOPE_NAME + "'"),
            new Column("scope_version", "VARCHAR", Staging.VARCHAR,
                    "Instrumentation scope version", "ScopeSpans.scope.version", "tag " + ZipkinVocabulary.SCOPE_VERSION_TAG),
            promoted("http_method", Staging.VARCHAR, "Promoted: HTTP request method", "tag http.method",
                    "http.request.method", "http.method"),
            promoted("http_route", Staging.VARCHAR, "Promoted: HTTP route template", "tag http.route",
                    "http.route"),
            promoted("http_status_code", Staging.BIGINT, "Promoted: HTTP response status code",
                    "tag http.status_code", "http.response.status_code", "http.status_code"),
            promoted("rpc_system", Staging.VARCHAR, "Promoted: RPC system (grpc, …)", "tag rpc.system",
                    "rpc.system"),
            promoted("rpc_service", Staging.VARCHAR, "Promoted: RPC service", "tag rpc.service",
                    "rpc.service"),
            promoted("rpc_method", Staging.VARCHAR, "Promoted: RPC method", "tag rpc.method",
                    "rpc.method"),
            promoted("db_system", Staging.VARCHAR, "Promoted: database system", "tag db.system",
                    "db.system.name", "db.system"),
            promoted("peer_service", Staging.VARCHAR, "Promoted: the remote service a client span calls",
                    "remoteEndpoint.serviceName", ZipkinVocabulary.REMOTE_SERVICE_ATTRIBUTE),
            promoted("server_address", Staging.VARCHAR, "Promoted: the server a client span calls",
                    "tag server.address (the remote IP goes to " + SPAN_ATTRIBUTE_PREFIX
                            + ZipkinVocabulary.REMOTE_ENDPOINT.address() + ")",
                    "server.address", "net.peer.name"),
            new Column("events", EVENT_STRUCT + "[]", Staging.EVENTS,
                    "Span events: time, name, attributes as JSON", "Span.events", "annotations (name = value)"),
            new Column("links", LINK_STRUCT + "[]", Staging.LINKS,
                    "Span links: trace_id, span_id, trace_state, attributes as JSON", "Span.links", "-"),
            new Column("dropped_attributes_count", "INTEGER", Staging.INTEGER,
                    "Attributes the SDK dropped", "Span.dropped_attributes_count", "0"),
            new Column("dropped_events_count", "INTEGER", Staging.INTEGER,
                    "Events the SDK dropped", "Span.dropped_events_count", "0"),
            new Column("dropped_links_count", "INTEGER", Staging.INTEGER,
                    "Links the SDK dropped", "Span.dropped_links_count", "0"),
            new Column("sample_weight", "DOUBLE", Staging.DOUBLE,
                    "How many spans this stored span stands for (1.0 without sampling)", "-", "-"));

    /** The fixed columns a file of {@link #VERSION} stores, in file order. */
    public static final List<Column> STORED_COLUMNS = COLUMNS.stream().filter(Column::stored).toList();

    /**
     * The promoted columns, in {@link #COLUMNS} order: fixed columns that copy a span attribute known by
     * semantic conventions (its old and new names), so that common filters read a small column. A span's
     * promoted column holds the value of the last of its {@link Column#promotedFrom} keys in the span's attribute
     * list that it takes: a VARCHAR column takes any value, as text ({@link AttributeValues#toText}, "null" for
     * an attribute without a value); a BIGINT column an integer, or a string that reads as one
     * ({@link #promotedInteger}). The attribute keeps its own {@code attr.<key>} column too.
     */
    public static final List<Column> PROMOTED_COLUMNS = COLUMNS.stream().filter(Column::promoted).toList();

    private static final Map<String, Integer> PROMOTED_BY_KEY = promotedByKey();

    private static Map<String, Integer> promotedByKey() {
        Map<String, Integer> byKey = new java.util.HashMap<>();
        for (int p = 0; p < PROMOTED_COLUMNS.size(); p++) {
            for (String key : PROMOTED_COLUMNS.get(p).promotedFrom()) {
                if (byKey.put(key, p) != null) {
                    throw new IllegalStateException("span attribute " + key + " is promoted to two columns");
                }
            }
        }
        return Map.copyOf(byKey);
    }

    /** Where in {@link #PROMOTED_COLUMNS} the column is that span attribute {@code key} is copied to; -1 for none. */
    public static int promotedColumnIndex(String key) {
        return PROMOTED_BY_KEY.getOrDefault(key, -1);
    }

    /** The integer a BIGINT promoted column takes from a string attribute value, or null when it reads as none. */
    public static Long promotedInteger(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The query that reads span files from {@code source} (a {@code read_parquet} over them) as the {@code spans}
     * view shows them: the fixed columns in {@link #COLUMNS} order, derived ones computed, then every other
     * column of the files (attributes, partition columns) as they come. {@code derivedStored} says whether a
     * file among them stores the derived columns (version 1): they are never read from it, but must be left
     * out by name (DuckDB's {@code EXCLUDE} refuses a name the files do not have, and choosing columns by a
     * lambda instead cost 0.1 ms per column at every bind). {@code docs/schema.md} gives it to notebook users.
     */
    public static String readerQuery(String source, boolean derivedStored) {
        int lastDerived = 0;
        for (int i = 0; i < COLUMNS.size(); i++) {
            lastDerived = COLUMNS.get(i).stored() ? lastDerived : i;
        }
        StringBuilder select = new StringBuilder("SELECT ");
        List<String> excluded = new java.util.ArrayList<>();
        for (Column column : COLUMNS.subList(0, lastDerived + 1)) {
            select.append(column.stored() ? quote(column.name()) : column.derivation() + " AS " + quote(column.name()))
                    .append(", ");
            if (column.stored()) {
                excluded.add(quote(column.name()));
            }
        }
        if (derivedStored) {
            excluded.addAll(derivedColumns());
        }
        return select.append("* EXCLUDE (").append(String.join(", ", excluded)).append(") FROM ").append(source).toString();
    }

    /**
     * The SELECT list that reads span files as a file of {@link #VERSION} stores them: every column but the
     * derived ones, which files of version 1 among them ({@code derivedStored}) hold.
     */
    public static String writerSelectList(boolean derivedStored) {
        return derivedStored ? "* EXCLUDE (" + String.join(", ", derivedColumns()) + ")" : "*";
    }

    /** The derived columns, quoted. */
    private static List<String> derivedColumns() {
        return COLUMNS.stream().filter(c -> !c.stored()).map(c -> quote(c.name())).toList();
    }

    /**
     * The SQL that lists which of the span files in {@code fileList} (a DuckDB list of paths) store a derived
     * column (version 1 files), by {@code file_name}, from their footers.
     */
    public static String filesStoringDerivedSql(String fileList) {
        return "SELECT DISTINCT file_name FROM parquet_schema(" + fileList + ") WHERE name IN ("
                + COLUMNS.stream().filter(c -> !c.stored()).map(c -> "'" + c.name() + "'")
                        .collect(Collectors.joining(", ")) + ")";
    }

    /**
     * The order of the rows in a file as it is written: by {@code service_name}, then {@code name}, then
     * {@code start_time} (rows the same in all three in the order they came). Spans of one operation sit
     * together, so their columns compress far better than in arrival order: a flush file of the bench workload
     * took 31.7 B/span against 38.9 (bench/results/format-v2).
     */
    public static final String STORED_ORDER = "service_name, name, start_time";

    private static final Map<String, Column> BY_NAME =
            COLUMNS.stream().collect(Collectors.toUnmodifiableMap(Column::name, Function.identity()));

    /** Column holding a span attribute. */
    public static String spanAttributeColumn(String key) {
        return SPAN_ATTRIBUTE_PREFIX + key;
    }

    /** Column holding a resource attribute. */
    public static String resourceAttributeColumn(String key) {
        return RESOURCE_ATTRIBUTE_PREFIX + key;
    }

    public static boolean isFixedColumn(String name) {
        return BY_NAME.containsKey(name);
    }

    public static Column column(String name) {
        Column column = BY_NAME.get(name);
        if (column == null) {
            throw new IllegalArgumentException("no fixed column " + name);
        }
        return column;
    }

    /** A DuckDB identifier, quoted so that attribute keys with dots and any other characters are safe. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private SpanSchema() {
    }
}
