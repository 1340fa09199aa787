package io.contrail.columnar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where spans go that were acknowledged but that the Parquet writer fails on even alone: the folder
 * {@code <data>/quarantine/}, one file per flush that set spans aside, so that one bad span never
 * blocks the others and is never lost.
 *
 * <p>A file is an OTLP/JSON {@code ExportTraceServiceRequest} (hex IDs, as OTLP/JSON has them) with
 * one extra top-level field, {@value #REASON_FIELD}, saying why the write failed. OTLP receivers
 * ignore unknown fields, so once the cause is fixed the file can be sent back as it is:
 * {@code curl -H 'Content-Type: application/json' --data-binary @FILE http://HOST/v1/traces}.
 * The tail sampler's weights are not kept (a span sent back weighs what its trace state says).
 * Files are written under a temporary name, fsynced and renamed, like span files.
 */
final class Quarantine {

    static final String DIRECTORY = "quarantine";
    static final String SUFFIX = ".otlp.json";
    static final String REASON_FIELD = "contrailQuarantineReason";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final HexFormat HEX = HexFormat.of();

    private final Path root;
    private final Path dir;

    Quarantine(Path dataDir) {
        this.root = dataDir;
        this.dir = dataDir.resolve(DIRECTORY);
    }

    /** Writes {@code spans} into a new quarantine file and returns its name relative to the data folder. */
    String put(List<SpanRef> spans, long flushSegment, String reason) throws IOException {
        Files.createDirectories(dir);
        String name = String.format("spans-%s-%012d-%08x%s", STAMP.format(ZonedDateTime.now(ZoneOffset.UTC)),
                flushSegment, ThreadLocalRandom.current().nextInt(), SUFFIX);
        Path target = dir.resolve(name);
        Path temp = DataLayout.tempFor(target);
        try {
            Files.writeString(temp, render(spans, reason), StandardCharsets.UTF_8);
            Durability.publish(temp, target);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return DIRECTORY + "/" + name;
    }

    /** The quarantine files, relative to the data folder, oldest first (the names start with the time). */
    List<String> files() {
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path entry : entries) {
                files.add(root.relativize(entry).toString());
            }
        } catch (NoSuchFileException e) {
            return files;
        } catch (IOException e) {
            files.add(DIRECTORY + "/ (unreadable: " + e.getClass().getSimpleName() + ")");
        }
        files.sort(null);
        return files;
    }

    /** The spans as OTLP/JSON, grouped back under their resources and scopes, with the reason. */
    static String render(List<SpanRef> spans, String reason) throws IOException {
        Map<Resource, Map<InstrumentationScope, List<Span>>> grouped = new LinkedHashMap<>();
        for (SpanRef ref : spans) {
            grouped.computeIfAbsent(ref.resource(), r -> new LinkedHashMap<>())
                    .computeIfAbsent(ref.scope(), s -> new ArrayList<>()).add(ref.span());
        }
        TracesData.Builder traces = TracesData.newBuilder();
        grouped.forEach((resource, scopes) -> {
            ResourceSpans.Builder resourceSpans = traces.addResourceSpansBuilder().setResource(resource);
            scopes.forEach((scope, list) -> resourceSpans.addScopeSpans(
                    ScopeSpans.newBuilder().setScope(scope).addAllSpans(list)));
        });
        ObjectNode tree = (ObjectNode) JSON.readTree(JsonFormat.printer().print(traces));
        for (JsonNode resourceSpans : tree.path("resourceSpans")) {
            for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
                for (JsonNode span : scopeSpans.path("spans")) {
                    idsToHex(span, "traceId", "spanId", "parentSpanId");
                    for (JsonNode link : span.path("links")) {
                        idsToHex(link, "traceId", "spanId");
                    }
                }
            }
        }
        tree.put(REASON_FIELD, reason);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree) + "\n";
    }

    /** protobuf's JSON mapping writes bytes as base64; OTLP/JSON writes trace and span IDs as hex. */
    private static void idsToHex(JsonNode node, String... fields) {
        if (node instanceof ObjectNode object) {
            for (String field : fields) {
                JsonNode value = object.get(field);
                if (value != null && value.isTextual()) {
                    object.set(field, new TextNode(HEX.formatHex(Base64.getDecoder().decode(value.asText()))));
                }
            }
        }
    }
}
