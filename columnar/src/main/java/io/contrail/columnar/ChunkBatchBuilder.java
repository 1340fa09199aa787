package io.contrail.columnar;

import com.google.protobuf.InvalidProtocolBufferException;
import io.contrail.columnar.SpanChunk.AttributeColumn;
import io.contrail.columnar.SpanSchema.Column;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.contrail.columnar.SpanChunk.K_BOOL;
import static io.contrail.columnar.SpanChunk.K_DOUBLE;
import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_OTHER;
import static io.contrail.columnar.SpanChunk.K_STRING;

/**
 * Builds an {@link ArrowSpanBatch} from span chunks, column by column: each chunk's attribute
 * column is mapped to the batch's column once, by key, and its values are copied in bulk; text goes
 * through {@link VarCharStaging}. The rows, columns and values are those the span-by-span build of
 * the same spans gives ({@code ArrowSpanBatchChunkTest} holds the two against each other).
 *
 * <p>Where the order of a span's (or resource's) attribute list decides the result — two keys of
 * one column (differing only in ASCII case) or both spellings of a promoted attribute in one span:
 * the later wins; the first seen names the column — the values' {@link AttributeColumn#ordinal}s
 * tell. Single-threaded.
 */
final class ChunkBatchBuilder {

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    /** What {@link AttributeValues#toText} gives for an attribute without a value. */
    private static final byte[] NULL_TEXT = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] KIND_NAMES = names(SpanSchema.KIND_NAMES);
    private static final byte[][] STATUS_NAMES = names(SpanSchema.STATUS_NAMES);

    /** What {@link RowValues#collect} is given for a column that is not promoted. */
    private static final int NOT_PROMOTED = -1;

    /**
     * Whether value {@code i} of {@code column} sets promoted column {@code promoted} (an index into
     * {@link SpanSchema#PROMOTED_COLUMNS}): any value for text (an unset one as "null"), an integer or a string
     * that reads as one for a BIGINT column.
     */
    private static boolean promotes(int promoted, int kind, AttributeColumn column, int i) {
        return !promotedInteger(promoted) || kind == K_INT || (kind == K_STRING && parsedInteger(column, i) != null);
    }

    private static boolean promotedInteger(int promoted) {
        return SpanSchema.PROMOTED_COLUMNS.get(promoted).staging() == SpanSchema.Staging.BIGINT;
    }

    private final int rowCount;
    private final List<Part> parts = new ArrayList<>();
    private final Family spanFamily = new Family(SpanSchema.SPAN_ATTRIBUTE_PREFIX, false);
    private final Family resourceFamily = new Family(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX, true);
    private final RowValues pairs = new RowValues();

    private ChunkBatchBuilder(List<ChunkRows> chunks) {
        int base = 0;
        for (ChunkRows rows : chunks) {
            Part part = new Part(rows, base);
            parts.add(part);
            base += part.size;
        }
        this.rowCount = base;
        int[] order = storedOrder();
        for (Part part : parts) {
            part.order = order;
        }
    }

    /**
     * Where each selected row goes in the file, by its place in the selection: ordered by service, then span
     * name, then start time, as {@link SpanSchema#STORED_ORDER} says, rows the same in all three kept in
     * selection order.
     */
    private int[] storedOrder() {
        String[] services = new String[rowCount];
        String[] names = new String[rowCount];
        long[] starts = new long[rowCount];
        for (Part part : parts) {
            SpanChunk chunk = part.chunk;
            ByteColumn spanNames = chunk.names();
            String[] serviceOf = new String[chunk.resourceCount()];
            for (int k = 0; k < part.size; k++) {
                int row = part.rows.row(k);
                int resource = chunk.resourceOf(row);
                String service = serviceOf[resource];
                services[part.base + k] = service != null ? service : (serviceOf[resource] = chunk.serviceName(resource));
                names[part.base + k] = spanNames.string(row);
                starts[part.base + k] = chunk.startTimeUnixNano(row);
            }
        }
        return StoredOrder.rowOf(services, names, starts);
    }

    static ArrowSpanBatch build(BufferAllocator allocator, List<ChunkRows> chunks, AttributeShapes shapes) {
        return new ChunkBatchBuilder(chunks).build(allocator, shapes);
    }

    private ArrowSpanBatch build(BufferAllocator allocator, AttributeShapes shapes) {
        for (Part part : parts) {
            spanFamily.observe(part);
            resourceFamily.observe(part);
        }
        List<BatchColumn> attributeColumns = new ArrayList<>();
        attributeColumns.addAll(spanFamily.columns());
        attributeColumns.addAll(resourceFamily.columns());
        List<BatchColumn> overflowed = overflowed(attributeColumns, shapes);
        // A set: a flood of keys overflows tens of thousands of columns, and removeAll of a list is quadratic.
        attributeColumns.removeAll(new HashSet<>(overflowed));
        List<FieldVector> vectors = new ArrayList<>();
        try {
            List<FieldVector> fixed = ArrowSpanBatch.storedFixedVectors(allocator);
            vectors.addAll(fixed);
            for (BatchColumn column : attributeColumns) {
                vectors.add(column.resolve(allocator, shapes, rowCount));
            }

            new FixedColumns(fixed).write();
            // Column after column, each from every chunk, through one staging area: a batch has
            // a hundred attribute columns or more, most of them sparse.
            VarCharStaging text = new VarCharStaging(rowCount, 0);
            List<ArrowSpanBatch.TypedColumn> types = new ArrayList<>();
            for (BatchColumn column : attributeColumns) {
                column.write(pairs, text, rowCount);
                types.add(new ArrowSpanBatch.TypedColumn(column.name, column.type));
            }
            for (boolean resource : new boolean[] {false, true}) {
                List<BatchColumn> family = overflowed.stream().filter(c -> c.resource == resource).toList();
                if (!family.isEmpty()) {
                    String name = resource ? SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW : SpanSchema.SPAN_ATTRIBUTE_OVERFLOW;
                    VarCharVector vector = new VarCharVector(name, allocator);
                    vectors.add(vector);
                    writeOverflow(family, text, vector);
                    types.add(new ArrowSpanBatch.TypedColumn(name, AttributeType.OVERFLOW));
                }
            }
            VectorSchemaRoot root = new VectorSchemaRoot(vectors);
            root.setRowCount(rowCount);
            return new ArrowSpanBatch(root, types, overflowed.stream().map(c -> c.name).toList());
        } catch (RuntimeException | Error e) {
            vectors.forEach(FieldVector::close);
            throw e;
        }
    }

    /**
     * The columns of {@code columns} whose keys go to the overflow column instead: keys without a column in
     * the table yet ({@link AttributeShapes}) once the table's bound would be passed, those on the fewest
     * spans first (keys on as many spans: the later seen).
     */
    private static List<BatchColumn> overflowed(List<BatchColumn> columns, AttributeShapes shapes) {
        List<BatchColumn> fresh = new ArrayList<>();
        for (BatchColumn column : columns) {
            if (shapes.isList(column.name) == null) {
                fresh.add(column);
            }
        }
        int room = Math.max(0, shapes.maxColumns() - shapes.columnCount());
        if (fresh.size() <= room) {
            return List.of();
        }
        fresh.sort(java.util.Comparator.comparingLong((BatchColumn c) -> c.spans).reversed());
        return new ArrayList<>(fresh.subList(room, fresh.size()));
    }

    /**
     * Writes the values of the overflowed columns of one family into {@code vector}: per row, a JSON object
     * of its keys and their values as text ({@link AttributeValues#toText}; an unset value as null), which
     * the file stores as a {@code MAP(VARCHAR, VARCHAR)}. Keys differing only in ASCII case stay apart.
     */
    private void writeOverflow(List<BatchColumn> family, VarCharStaging text, VarCharVector vector) {
        List<int[]> entries = new ArrayList<>(); // {row, index in sources, value index}
        List<AttributeColumn> sources = new ArrayList<>();
        for (BatchColumn column : family) {
            boolean resource = column.resource;
            for (BatchColumn.Source source : column.sources) {
                for (AttributeColumn attributes : source.columns()) {
                    sources.add(attributes);
                    pairs.collect(source.part(), attributes, resource, NOT_PROMOTED);
                    for (int p = 0; p < pairs.count; p++) {
                        entries.add(new int[] {source.part().out(pairs.rows[p]), sources.size() - 1, pairs.values[p]});
                    }
                }
            }
        }
        entries.sort(java.util.Comparator.comparingInt(e -> e[0]));
        text.reset(0);
        for (int at = 0; at < entries.size(); ) {
            int row = entries.get(at)[0];
            int end = at;
            while (end < entries.size() && entries.get(end)[0] == row) {
                end++;
            }
            List<int[]> ofRow = entries.subList(at, end);
            text.set(row, AttributeValues.render(g -> {
                g.writeStartObject();
                for (int[] entry : ofRow) {
                    AttributeColumn column = sources.get(entry[1]);
                    g.writeFieldName(column.key());
                    if (column.kind(entry[2]) == 0) {
                        g.writeNull();
                    } else {
                        g.writeString(textOf(column, entry[2]));
                    }
                }
                g.writeEndObject();
            }));
            at = end;
        }
        text.copyInto(vector);
    }

    /** Value {@code i} of {@code column} as text, as {@link AttributeValues#toText} renders it. */
    private static String textOf(AttributeColumn column, int i) {
        return switch (column.kind(i)) {
            case K_STRING -> column.bytes().string(i);
            case K_BOOL -> column.bits(i) != 0 ? "true" : "false";
            case K_INT -> Long.toString(column.bits(i));
            case K_DOUBLE -> Double.toString(Double.longBitsToDouble(column.bits(i)));
            default -> AttributeValues.toText(anyValue(column, i));
        };
    }

    /** One {@link ChunkRows}: output rows {@code base .. base + size - 1}, local index {@code k} being row {@code base + k}. */
    private static final class Part {
        final ChunkRows rows;
        final SpanChunk chunk;
        final int base;
        final int size;
        /** Chunk row to its first local index, -1 when not selected; null when all rows are selected in order. */
        final int[] firstOut;
        /** Local index to the next local index of the same chunk row, -1 for none; null when no row repeats. */
        final int[] nextOut;
        /** Whether local indexes of ascending chunk rows ascend, so values in owner order arrive in row order. */
        final boolean ascending;
        /** The file's row of each selected row, by its place in the whole selection ({@link #storedOrder}). */
        int[] order;
        /** Per span attribute column of the chunk, its batch column; null when no selected row has a value. */
        BatchColumn[] spanTargets;
        private int[] resourceFirstOut;
        private int[] resourceRows;
        private byte[][] serviceNames;
        private byte[][] scopeNames;
        private byte[][] scopeVersions;

        Part(ChunkRows rows, int base) {
            this.rows = rows;
            this.chunk = rows.chunk();
            this.base = base;
            this.size = rows.size();
            if (rows.rows() == null) {
                firstOut = null;
                nextOut = null;
                ascending = true;
            } else {
                firstOut = new int[chunk.spanCount()];
                Arrays.fill(firstOut, -1);
                int[] next = null;
                boolean increasing = true;
                for (int k = size - 1; k >= 0; k--) {
                    int row = rows.row(k);
                    if (firstOut[row] >= 0) {
                        if (next == null) {
                            next = new int[size];
                            Arrays.fill(next, -1);
                        }
                        next[k] = firstOut[row];
                    }
                    if (k > 0 && rows.row(k - 1) >= row) {
                        increasing = false;
                    }
                    firstOut[row] = k;
                }
                nextOut = next;
                ascending = increasing;
            }
        }

        /** The row of the batch that local index {@code k} is written to. */
        int out(int k) {
            return order[base + k];
        }

        int firstOut(int chunkRow) {
            return firstOut == null ? chunkRow : firstOut[chunkRow];
        }

        int nextOut(int k) {
            return nextOut == null ? -1 : nextOut[k];
        }

        /** Resource index to its first local index, -1 when no selected row has it. */
        int[] resourceFirstOut() {
            if (resourceFirstOut == null) {
                resourceFirstOut = new int[chunk.resourceCount()];
                resourceRows = new int[chunk.resourceCount()];
                Arrays.fill(resourceFirstOut, -1);
                for (int k = size - 1; k >= 0; k--) {
                    int resource = chunk.resourceOf(rows.row(k));
                    resourceFirstOut[resource] = k;
                    resourceRows[resource]++;
                }
            }
            return resourceFirstOut;
        }

        /** How many selected rows have resource {@code resource}. */
        int resourceRows(int resource) {
            resourceFirstOut();
            return resourceRows[resource];
        }

        /** Bytes of {@code column}'s values in the selected rows. */
        long selectedBytes(ByteColumn column) {
            if (firstOut == null) {
                return size == 0 ? 0 : column.end(size - 1) - column.start(0);
            }
            long bytes = 0;
            for (int k = 0; k < size; k++) {
                bytes += column.length(rows.row(k));
            }
            return bytes;
        }

        /** The UTF-8 service name of a resource, made once per part. */
        byte[] serviceName(int resource) {
            if (serviceNames == null) {
                serviceNames = new byte[chunk.resourceCount()][];
            }
            byte[] name = serviceNames[resource];
            return name != null ? name : (serviceNames[resource] = chunk.serviceName(resource).getBytes(StandardCharsets.UTF_8));
        }

        /** The UTF-8 name of a scope, null for none, made once per part. */
        byte[] scopeName(int scope) {
            if (scopeNames == null) {
                scopeNames = scopeText(true);
            }
            return scopeNames[scope];
        }

        byte[] scopeVersion(int scope) {
            if (scopeVersions == null) {
                scopeVersions = scopeText(false);
            }
            return scopeVersions[scope];
        }

        private byte[][] scopeText(boolean name) {
            int scopes = 0;
            for (int row = 0; row < chunk.spanCount(); row++) {
                scopes = Math.max(scopes, chunk.scopeOf(row) + 1);
            }
            byte[][] text = new byte[scopes][];
            for (int scope = 0; scope < scopes; scope++) {
                String value = name ? chunk.scopeName(scope) : chunk.scopeVersion(scope);
                text[scope] = value == null || value.isEmpty() ? null : value.getBytes(StandardCharsets.UTF_8);
            }
            return text;
        }
    }

    /**
     * (local row, value index) pairs of one chunk column, ascending by row, one per row: the value
     * that row keeps. Reused; single-threaded.
     */
    private static final class RowValues {
        int count;
        int[] rows = new int[64];
        int[] values = new int[64];

        void clear() {
            count = 0;
        }

        /** Adds a pair; a pair for the last row replaces it (the later value wins). */
        void add(int row, int value) {
            if (count > 0 && rows[count - 1] == row) {
                values[count - 1] = value;
                return;
            }
            if (count == rows.length) {
                rows = Arrays.copyOf(rows, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            rows[count] = row;
            values[count] = value;
            count++;
        }

        /** Orders pairs added out of row order by row, keeping for each row the last added. */
        void sortByRow() {
            long[] keyed = new long[count];
            for (int i = 0; i < count; i++) {
                keyed[i] = (long) rows[i] << 32 | i;
            }
            Arrays.sort(keyed);
            int[] oldValues = Arrays.copyOf(values, count);
            count = 0;
            for (long key : keyed) {
                add((int) (key >>> 32), oldValues[(int) key]);
            }
        }

        /**
         * Fills this with the values of {@code column} that {@code part}'s rows keep: for promoted column
         * {@code promoted} (else {@link #NOT_PROMOTED}), those that set it.
         */
        void collect(Part part, AttributeColumn column, boolean resource, int promoted) {
            clear();
            int size = column.size();
            if (resource) {
                // Per resource the value it keeps, then every selected row of that resource.
                int[] valueOf = new int[part.chunk.resourceCount()];
                Arrays.fill(valueOf, -1);
                for (int i = 0; i < size; i++) {
                    if (column.kind(i) != 0) {
                        valueOf[column.owner(i)] = i;
                    }
                }
                for (int k = 0; k < part.size; k++) {
                    int value = valueOf[part.chunk.resourceOf(part.rows.row(k))];
                    if (value >= 0) {
                        add(k, value);
                    }
                }
                return;
            }
            for (int i = 0; i < size; i++) {
                int kind = column.kind(i);
                if (promoted == NOT_PROMOTED ? kind == 0 : !promotes(promoted, kind, column, i)) {
                    continue;
                }
                for (int k = part.firstOut(column.owner(i)); k >= 0; k = part.nextOut(k)) {
                    add(k, i);
                }
            }
            if (!part.ascending) {
                sortByRow();
            }
        }
    }

    /**
     * Several chunk columns feeding one batch column in one part, merged into one row order; where
     * two hold a value for the same row, the key later in that row's attribute list wins.
     */
    private static final class MergedValues {
        int count;
        int[] rows;
        int[] sources;
        int[] values;

        MergedValues(Part part, List<AttributeColumn> columns, boolean resource, int promoted) {
            if (columns.size() > 0xff) {
                throw new IllegalArgumentException(columns.size() + " keys for one column");
            }
            RowValues scratch = new RowValues();
            int total = 0;
            int[][] rowsOf = new int[columns.size()][];
            int[][] valuesOf = new int[columns.size()][];
            for (int c = 0; c < columns.size(); c++) {
                scratch.collect(part, columns.get(c), resource, promoted);
                rowsOf[c] = Arrays.copyOf(scratch.rows, scratch.count);
                valuesOf[c] = Arrays.copyOf(scratch.values, scratch.count);
                total += scratch.count;
            }
            long[] keyed = new long[total];
            int n = 0;
            for (int c = 0; c < columns.size(); c++) {
                for (int i = 0; i < rowsOf[c].length; i++) {
                    keyed[n++] = (long) rowsOf[c][i] << 32 | (long) c << 24 | i;
                }
            }
            Arrays.sort(keyed);
            rows = new int[total];
            sources = new int[total];
            values = new int[total];
            for (int at = 0; at < total; ) {
                int row = (int) (keyed[at] >>> 32);
                int end = at + 1;
                while (end < total && (int) (keyed[end] >>> 32) == row) {
                    end++;
                }
                // The value later in the row's attribute list wins.
                int source = -1;
                int index = -1;
                for (int j = at; j < end; j++) {
                    int c = (int) (keyed[j] >>> 24) & 0xff;
                    int i = (int) keyed[j] & 0xffffff;
                    if (source < 0 || columns.get(c).ordinal(valuesOf[c][i]) > columns.get(source).ordinal(valuesOf[source][index])) {
                        source = c;
                        index = i;
                    }
                }
                rows[count] = row;
                sources[count] = source;
                values[count] = valuesOf[source][index];
                count++;
                at = end;
            }
        }
    }

    /**
     * The attribute columns of one family (span or resource) in one batch. DuckDB column names
     * are case-insensitive for ASCII letters ({@link SpanSchema#foldedColumnName}), so keys
     * differing only in ASCII case share the column of the first seen.
     */
    private final class Family {
        private final String prefix;
        private final boolean resource;
        private final Map<String, BatchColumn> byKey = new HashMap<>();
        private final Map<String, BatchColumn> byFoldedName = new LinkedHashMap<>();

        Family(String prefix, boolean resource) {
            this.prefix = prefix;
            this.resource = resource;
        }

        private List<AttributeColumn> columnsOf(SpanChunk chunk) {
            return resource ? chunk.resourceAttributes() : chunk.spanAttributes();
        }

        /**
         * Maps each of the part's chunk columns that has a value in a selected row to its batch
         * column, creating columns for new keys in the order they are first seen, and notes the
         * kinds of those values.
         */
        void observe(Part part) {
            List<AttributeColumn> columns = columnsOf(part.chunk);
            BatchColumn[] targets = new BatchColumn[columns.size()];
            int[] firstRow = new int[columns.size()];
            int[] firstOrdinal = new int[columns.size()];
            int[] kindsOf = new int[columns.size()];
            long[] bytesOf = new long[columns.size()];
            long[] spansOf = new long[columns.size()];
            List<Integer> unseen = new ArrayList<>();
            int[] resourceFirstOut = resource ? part.resourceFirstOut() : null;
            for (int j = 0; j < columns.size(); j++) {
                AttributeColumn column = columns.get(j);
                int kinds = 0;
                int values = 0;
                long spans = 0;
                long bytes = 0;
                int first = Integer.MAX_VALUE;
                int ordinal = 0;
                ByteColumn valueBytes = column.bytes();
                if (!resource && part.firstOut == null) {
                    kinds = column.kinds();
                    values = column.size();
                    spans = values;
                    bytes = valueBytes.end(values - 1) - valueBytes.start(0);
                    first = column.owner(0);
                    ordinal = column.ordinal(0);
                } else {
                    for (int i = 0, size = column.size(); i < size; i++) {
                        int out = resource ? resourceFirstOut[column.owner(i)] : part.firstOut(column.owner(i));
                        if (out >= 0) {
                            kinds |= column.kind(i);
                            values++;
                            spans += resource ? part.resourceRows(column.owner(i)) : 1;
                            // A resource's value is written into every selected row of the resource.
                            bytes += (long) valueBytes.length(i) * (resource ? part.resourceRows(column.owner(i)) : 1);
                            if (out < first) {
                                first = out;
                                ordinal = column.ordinal(i);
                            }
                        }
                    }
                }
                if (values == 0) {
                    continue;
                }
                firstRow[j] = first;
                firstOrdinal[j] = ordinal;
                kindsOf[j] = kinds;
                bytesOf[j] = bytes;
                spansOf[j] = spans;
                BatchColumn target = byKey.get(column.key());
                if (target == null) {
                    unseen.add(j);
                } else {
                    targets[j] = target;
                }
            }
            // New keys in the order a span-by-span pass meets them, by first row and place in its
            // list; so of keys differing only in case, the first met names the column.
            unseen.sort((a, b) -> firstRow[a] != firstRow[b] ? Integer.compare(firstRow[a], firstRow[b])
                    : Integer.compare(firstOrdinal[a], firstOrdinal[b]));
            for (int u = 0; u < unseen.size(); u++) {
                int j = unseen.get(u);
                AttributeColumn column = columns.get(j);
                String folded = SpanSchema.foldedColumnName(prefix + column.key());
                BatchColumn target = byFoldedName.get(folded);
                if (target == null) {
                    target = new BatchColumn(prefix + column.key(), resource);
                    byFoldedName.put(folded, target);
                }
                byKey.put(column.key(), target);
                targets[j] = target;
            }
            for (int j = 0; j < columns.size(); j++) {
                if (targets[j] != null) {
                    targets[j].kinds |= kindsOf[j];
                    targets[j].bytes += bytesOf[j];
                    targets[j].spans += spansOf[j];
                    targets[j].addSource(part, columns.get(j));
                }
            }
            if (!resource) {
                part.spanTargets = targets;
            }
        }

        /** The family's columns in the order first seen. */
        List<BatchColumn> columns() {
            return new ArrayList<>(byFoldedName.values());
        }
    }

    /** One attribute key's column in one batch (all spellings differing only in ASCII case). */
    private static final class BatchColumn {
        final String name;
        final boolean resource;
        /** Per part with values for this column, its chunk columns (more than one: keys differing only in case). */
        final List<Source> sources = new ArrayList<>();
        int kinds;
        /** Bytes of the selected values in the chunks (strings: as written), to size the column's text. */
        long bytes;
        /** Selected rows with a value (a key repeated in a span's list counts twice), to rank keys. */
        long spans;
        AttributeType type;
        FieldVector vector;
        VarCharStaging text;

        BatchColumn(String name, boolean resource) {
            this.name = name;
            this.resource = resource;
        }

        record Source(Part part, List<AttributeColumn> columns) {
        }

        void addSource(Part part, AttributeColumn column) {
            Source last = sources.isEmpty() ? null : sources.get(sources.size() - 1);
            if (last != null && last.part() == part) {
                last.columns().add(column);
            } else {
                List<AttributeColumn> columns = new ArrayList<>(1);
                columns.add(column);
                sources.add(new Source(part, columns));
            }
        }

        /** Copies the values of every source into the vector; text through {@code staging}, which it then leaves to the next column. */
        void write(RowValues pairs, VarCharStaging staging, int rows) {
            if (vector instanceof VarCharVector) {
                text = staging;
                text.reset((int) Math.min(bytes, Integer.MAX_VALUE - 64));
            }
            for (Source source : sources) {
                Part part = source.part();
                if (source.columns().size() == 1) {
                    AttributeColumn column = source.columns().get(0);
                    pairs.collect(part, column, resource, NOT_PROMOTED);
                    for (int p = 0; p < pairs.count; p++) {
                        set(part.out(pairs.rows[p]), column, pairs.values[p]);
                    }
                } else {
                    MergedValues merged = new MergedValues(part, source.columns(), resource, NOT_PROMOTED);
                    for (int p = 0; p < merged.count; p++) {
                        set(part.out(merged.rows[p]), source.columns().get(merged.sources[p]), merged.values[p]);
                    }
                }
            }
            if (text != null) {
                text.copyInto((VarCharVector) vector);
                text = null;
            } else {
                vector.setValueCount(rows);
            }
        }

        /** Chooses the column's type from the kinds seen and the shape the files have; returns its vector, allocated. */
        FieldVector resolve(BufferAllocator allocator, AttributeShapes shapes, int rows) {
            type = AttributeType.resolve(kinds);
            Boolean storedAsList = shapes.isList(name);
            if (storedAsList != null && storedAsList != type.isList()) {
                type = storedAsList ? AttributeType.VARCHAR_LIST : AttributeType.VARCHAR;
            }
            vector = switch (type) {
                case BOOLEAN -> new BitVector(name, allocator);
                case BIGINT -> new BigIntVector(name, allocator);
                case DOUBLE -> new Float8Vector(name, allocator);
                default -> new VarCharVector(name, allocator);
            };
            if (vector instanceof BaseFixedWidthVector fixedWidth) {
                fixedWidth.allocateNew(rows);
            }
            return vector;
        }

        void set(int row, AttributeColumn column, int i) {
            switch (type) {
                case BOOLEAN -> ((BitVector) vector).set(row, column.bits(i) != 0 ? 1 : 0);
                case BIGINT -> ((BigIntVector) vector).set(row, column.bits(i));
                case DOUBLE -> ((Float8Vector) vector).set(row, column.kind(i) == K_INT
                        ? (double) column.bits(i) : Double.longBitsToDouble(column.bits(i)));
                case VARCHAR -> setText(text, row, column, i);
                default -> text.set(row, listJson(column, i));
            }
        }
    }

    /** Sets {@code row} to value {@code i} of {@code column} as text, as {@link AttributeValues#toText} renders it. */
    private static void setText(VarCharStaging text, int row, AttributeColumn column, int i) {
        int kind = column.kind(i);
        switch (kind) {
            case K_STRING -> {
                ByteColumn bytes = column.bytes();
                text.set(row, bytes.data(), bytes.start(i), bytes.length(i));
            }
            case K_BOOL -> text.set(row, column.bits(i) != 0 ? TRUE : FALSE);
            case 0 -> text.set(row, NULL_TEXT);
            default -> text.set(row, textOf(column, i));
        }
    }

    /** Value {@code i} of {@code column} as a JSON array, as a list column holds it (a scalar as a one-element VARCHAR list). */
    private static String listJson(AttributeColumn column, int i) {
        int kind = column.kind(i);
        AnyValue value = switch (kind) {
            case K_STRING -> AnyValue.newBuilder().setStringValue(column.bytes().string(i)).build();
            case K_BOOL -> AnyValue.newBuilder().setBoolValue(column.bits(i) != 0).build();
            case K_INT -> AnyValue.newBuilder().setIntValue(column.bits(i)).build();
            case K_DOUBLE -> AnyValue.newBuilder().setDoubleValue(Double.longBitsToDouble(column.bits(i))).build();
            default -> anyValue(column, i);
        };
        return value.hasArrayValue()
                ? AttributeValues.toJson(value)
                : AttributeValues.render(g -> {
                    g.writeStartArray();
                    g.writeString(AttributeValues.toText(value));
                    g.writeEndArray();
                });
    }

    /** Value {@code i} of an array or {@link SpanChunk#K_OTHER} kind, from its encoded AnyValue. */
    private static AnyValue anyValue(AttributeColumn column, int i) {
        ByteColumn bytes = column.bytes();
        try {
            return AnyValue.parser().parseFrom(bytes.data(), bytes.start(i), bytes.length(i));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("attribute " + column.key() + " holds a malformed value", e);
        }
    }

    private static Long parsedInteger(AttributeColumn column, int i) {
        return SpanSchema.promotedInteger(column.bytes().string(i));
    }

    private static byte[][] names(List<String> names) {
        byte[][] bytes = new byte[names.size()][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = names.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }

    /** The stored fixed columns ({@link SpanSchema#STORED_COLUMNS}), written part by part, row by row, then copied into their vectors. */
    private final class FixedColumns {
        private final List<FieldVector> vectors;
        private final VarCharStaging traceId, spanId, parentSpanId, traceState, serviceName, name, kind;
        private final long[] startTime, duration;
        private final VarCharStaging statusCode, statusMessage, scopeName, scopeVersion;
        /** Per promoted column ({@link SpanSchema#PROMOTED_COLUMNS}): text staging, or the BIGINT vector itself. */
        private final Object[] promoted = new Object[SpanSchema.PROMOTED_COLUMNS.size()];
        private final VarCharStaging events, links;
        private final long[] droppedAttributes, droppedEvents, droppedLinks;
        private final double[] sampleWeight;

        FixedColumns(List<FieldVector> vectors) {
            this.vectors = vectors;
            int n = rowCount;
            // Sized to fit, so that no text is copied to a larger array on the way.
            long traceIdBytes = 0, spanIdBytes = 0, parentBytes = 0, traceStateBytes = 0, nameBytes = 0, messageBytes = 0;
            long serviceBytes = 0, scopeNameBytes = 0, scopeVersionBytes = 0;
            for (Part part : parts) {
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
                if (promotedInteger(p)) {
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
            for (Part part : parts) {
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

        private void writeRows(Part part) {
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
        private void writePromoted(Part part) {
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
                integers.set(row, column.kind(i) == K_INT ? column.bits(i) : parsedInteger(column, i));
            } else {
                setText((VarCharStaging) promoted[p], row, column, i);
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
    }
}
