package io.contrail.columnar;

import com.google.protobuf.InvalidProtocolBufferException;
import io.contrail.columnar.SpanChunk.AttributeColumn;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.contrail.columnar.SpanChunk.K_INT;

/**
 * The stored fixed columns ({@link SpanSchema#STORED_COLUMNS}) of a batch that {@link ChunkBatchBuilder} builds:
 * written part by part, row by row, into Java arrays and {@link VarCharStaging}s sized to fit, then copied into
 * their vectors in bulk. What a caller must know: the vectors are those of
 * {@link ArrowSpanBatch#storedFixedVectors}, in that order, and {@link #write} runs once. Single-threaded.
 */
final class FixedColumnStaging {

    private static final byte[][] KIND_NAMES = names(SpanSchema.KIND_NAMES);
    private static final byte[][] STATUS_NAMES = names(SpanSchema.STATUS_NAMES);

    private final int rowCount;
    private final List<ChunkPart> parts;
    private final RowValues pairs;
    private final List<FieldVector> vectors;
    private final VarCharStaging traceId, spanId, parentSpanId, traceState, serviceName, name, kind;
    private final long[] startTime, duration;
    private final VarCharStaging statusCode, statusMessage, scopeName, scopeVersion;
    /** Per promoted column ({@link SpanSchema#PROMOTED_COLUMNS}): text staging, or the BIGINT vector itself. */
    private final Object[] promoted = new Object[SpanSchema.PROMOTED_COLUMNS.size()];
    private final VarCharStaging events, links;
    private final long[] droppedAttributes, droppedEvents, droppedLinks;
    private final double[] sampleWeight;

    FixedColumnStaging(List<FieldVector> vectors, List<ChunkPart> parts, int rowCount, RowValues pairs) {
        this.rowCount = rowCount;
        this.parts = parts;
        this.pairs = pairs;
        this.vectors = vectors;
        int n = rowCount;
        // Sized to fit, so that no text is copied to a larger array on the way.
        long traceIdBytes = 0, spanIdBytes = 0, parentBytes = 0, traceStateBytes = 0, nameBytes = 0, messageBytes = 0;
        long serviceBytes = 0, scopeNameBytes = 0, scopeVersionBytes = 0;
        for (ChunkPart part : parts) {
            SpanChunk chunk = part.chunk;
            traceIdBytes += 2 * part.selectedBytes(chunk.traceIds());
            spanIdBytes += 2 * part.selectedBytes(chunk.spanIds());
            parentBytes += 2 * part.selectedBytes(chunk.parentSpanIds());
            traceStateBytes += part.selectedBytes(chunk.traceStates());
            nameBytes += part.selectedBytes(chunk.names());
            messageBytes += part.selectedBytes(chunk.statusMessages());
            for (int k = 0; k < part.size; k++) {
                int row = part.rows.row(k);
                serviceBytes += part.serviceName(chunk.resourceOf(row)).length;
                byte[] scopeName = part.scopeName(chunk.scopeOf(row));
                byte[] scopeVersion = part.scopeVersion(chunk.scopeOf(row));
                scopeNameBytes += scopeName == null ? 0 : scopeName.length;
                scopeVersionBytes += scopeVersion == null ? 0 : scopeVersion.length;
            }
        }
        traceId = new VarCharStaging(n, (int) traceIdBytes);
        spanId = new VarCharStaging(n, (int) spanIdBytes);
        parentSpanId = new VarCharStaging(n, (int) parentBytes);
        traceState = new VarCharStaging(n, (int) traceStateBytes);
        serviceName = new VarCharStaging(n, (int) serviceBytes);
        name = new VarCharStaging(n, (int) nameBytes);
        kind = new VarCharStaging(n, 8 * n);
        startTime = new long[n];
        duration = new long[n];
        statusCode = new VarCharStaging(n, 5 * n);
        statusMessage = new VarCharStaging(n, (int) messageBytes);
        scopeName = new VarCharStaging(n, (int) scopeNameBytes);
        scopeVersion = new VarCharStaging(n, (int) scopeVersionBytes);
        for (int p = 0; p < promoted.length; p++) {
            if (RowValues.promotedInteger(p)) {
                BigIntVector integers = (BigIntVector) vectors.get(SpanSchema.STORED_COLUMNS.indexOf(
                        SpanSchema.PROMOTED_COLUMNS.get(p)));
                integers.allocateNew(n);
                promoted[p] = integers;
            } else {
                promoted[p] = new VarCharStaging(n, 0);
            }
        }
        events = new VarCharStaging(n, 0);
        links = new VarCharStaging(n, 0);
        droppedAttributes = new long[n];
        droppedEvents = new long[n];
        droppedLinks = new long[n];
        sampleWeight = new double[n];
    }

    void write() {
        for (ChunkPart part : parts) {
            writeRows(part);
            writePromoted(part);
        }
        List<Object> columns = new ArrayList<>(List.of(traceId, spanId, parentSpanId, traceState, serviceName, name,
                kind, startTime, duration, statusCode, statusMessage, scopeName, scopeVersion,
                events, links, droppedAttributes, droppedEvents, droppedLinks, sampleWeight));
        // The promoted columns at their places, in ascending order so that each lands where it belongs.
        for (int p = 0; p < promoted.length; p++) {
            columns.add(SpanSchema.STORED_COLUMNS.indexOf(SpanSchema.PROMOTED_COLUMNS.get(p)), promoted[p]);
        }
        if (columns.size() != SpanSchema.STORED_COLUMNS.size()) {
            throw new IllegalStateException("fixed columns out of step with SpanSchema.STORED_COLUMNS");
        }
        for (int c = 0; c < columns.size(); c++) {
            FieldVector vector = vectors.get(c);
            Object values = columns.get(c);
            if (values instanceof VarCharStaging text) {
                text.copyInto((VarCharVector) vector);
            } else if (values instanceof long[] longs) {
                copyLongs((BigIntVector) vector, longs);
            } else if (values instanceof double[] doubles) {
                copyDoubles((Float8Vector) vector, doubles);
            } else {
                vector.setValueCount(rowCount);
            }
        }
    }

    private void writeRows(ChunkPart part) {
        SpanChunk chunk = part.chunk;
        ByteColumn traceIds = chunk.traceIds(), spanIds = chunk.spanIds(), parentSpanIds = chunk.parentSpanIds(),
                traceStates = chunk.traceStates(), names = chunk.names(), statusMessages = chunk.statusMessages(),
                nested = chunk.nested();
        for (int k = 0; k < part.size; k++) {
            int row = part.rows.row(k);
            int out = part.out(k);
            traceId.setHex(out, traceIds.data(), traceIds.start(row), traceIds.length(row));
            spanId.setHex(out, spanIds.data(), spanIds.start(row), spanIds.length(row));
            parentSpanId.setHex(out, parentSpanIds.data(), parentSpanIds.start(row), parentSpanIds.length(row));
            setUnlessEmpty(traceState, out, traceStates, row);
            int resource = chunk.resourceOf(row);
            serviceName.set(out, part.serviceName(resource));
            name.set(out, names.data(), names.start(row), names.length(row));
            int kindNumber = chunk.kind(row);
            kind.set(out, KIND_NAMES[kindNumber >= 0 && kindNumber < KIND_NAMES.length ? kindNumber : 0]);
            long start = chunk.startTimeUnixNano(row);
            startTime[out] = start;
            duration[out] = chunk.endTimeUnixNano(row) - start;
            int code = chunk.statusCode(row);
            statusCode.set(out, STATUS_NAMES[code == 1 || code == 2 ? code : 0]);
            setUnlessEmpty(statusMessage, out, statusMessages, row);
            byte[] scope = part.scopeName(chunk.scopeOf(row));
            if (scope != null) {
                scopeName.set(out, scope);
            }
            byte[] version = part.scopeVersion(chunk.scopeOf(row));
            if (version != null) {
                scopeVersion.set(out, version);
            }
            if (!nested.isEmpty(row)) {
                // Events and links are rare: they take the protobuf classes and JSON.
                Span span = parseNested(nested, row);
                if (span.getEventsCount() > 0) {
                    events.set(out, EventAndLinkJson.eventsJson(span));
                }
                if (span.getLinksCount() > 0) {
                    links.set(out, EventAndLinkJson.linksJson(span));
                }
            }
            droppedAttributes[out] = chunk.droppedAttributesCount(row);
            droppedEvents[out] = chunk.droppedEventsCount(row);
            droppedLinks[out] = chunk.droppedLinksCount(row);
            sampleWeight[out] = part.rows.weight(k);
        }
    }

    /** The promoted columns from the part's attribute columns of their keys. */
    private void writePromoted(ChunkPart part) {
        List<AttributeColumn> columns = part.chunk.spanAttributes();
        Map<Integer, List<AttributeColumn>> sources = new LinkedHashMap<>();
        for (int j = 0; j < columns.size(); j++) {
            // Only keys with a value in a selected row have a target; the others cannot promote either.
            if (part.spanTargets[j] == null) {
                continue;
            }
            int promoted = SpanSchema.promotedColumnIndex(columns.get(j).key());
            if (promoted >= 0) {
                sources.computeIfAbsent(promoted, p -> new ArrayList<>(2)).add(columns.get(j));
            }
        }
        for (Map.Entry<Integer, List<AttributeColumn>> entry : sources.entrySet()) {
            int promoted = entry.getKey();
            List<AttributeColumn> group = entry.getValue();
            if (group.size() == 1) {
                pairs.collect(part, group.get(0), false, promoted);
                for (int p = 0; p < pairs.count; p++) {
                    setPromoted(promoted, part.out(pairs.rows[p]), group.get(0), pairs.values[p]);
                }
            } else {
                MergedValues merged = new MergedValues(part, group, false, promoted);
                for (int p = 0; p < merged.count; p++) {
                    setPromoted(promoted, part.out(merged.rows[p]), group.get(merged.sources[p]), merged.values[p]);
                }
            }
        }
    }

    private void setPromoted(int p, int row, AttributeColumn column, int i) {
        if (promoted[p] instanceof BigIntVector integers) {
            integers.set(row, column.kind(i) == K_INT ? column.bits(i) : AttributeText.parsedInteger(column, i));
        } else {
            AttributeText.setText((VarCharStaging) promoted[p], row, column, i);
        }
    }

    private static void setUnlessEmpty(VarCharStaging text, int out, ByteColumn column, int row) {
        if (!column.isEmpty(row)) {
            text.set(out, column.data(), column.start(row), column.length(row));
        }
    }

    private static Span parseNested(ByteColumn nested, int row) {
        try {
            return Span.parser().parseFrom(nested.data(), nested.start(row), nested.length(row));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the events and links of chunk row " + row + " are malformed", e);
        }
    }

    private void copyLongs(BigIntVector vector, long[] values) {
        vector.allocateNew(rowCount);
        setAllValid(vector.getValidityBuffer());
        vector.getDataBuffer().nioBuffer(0, 8 * rowCount).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
        vector.setValueCount(rowCount);
    }

    private void copyDoubles(Float8Vector vector, double[] values) {
        vector.allocateNew(rowCount);
        setAllValid(vector.getValidityBuffer());
        vector.getDataBuffer().nioBuffer(0, 8 * rowCount).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(values);
        vector.setValueCount(rowCount);
    }

    private void setAllValid(ArrowBuf validity) {
        int fullBytes = rowCount >>> 3;
        validity.setOne(0L, (long) fullBytes);
        if ((rowCount & 7) != 0) {
            validity.setByte(fullBytes, (1 << (rowCount & 7)) - 1);
        }
    }

    private static byte[][] names(List<String> names) {
        byte[][] bytes = new byte[names.size()][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = names.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }
}
