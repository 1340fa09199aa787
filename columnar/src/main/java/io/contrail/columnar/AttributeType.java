package io.contrail.columnar;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;

import static io.contrail.columnar.SpanChunk.K_BOOL;
import static io.contrail.columnar.SpanChunk.K_BOOL_ARRAY;
import static io.contrail.columnar.SpanChunk.K_DOUBLE;
import static io.contrail.columnar.SpanChunk.K_DOUBLE_ARRAY;
import static io.contrail.columnar.SpanChunk.K_EMPTY_ARRAY;
import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_INT_ARRAY;
import static io.contrail.columnar.SpanChunk.K_STRING;
import static io.contrail.columnar.SpanChunk.K_STRING_ARRAY;

/**
 * The storage type chosen for one attribute key in one file, from the kinds of value seen under it
 * ({@link #resolve}); a file's earlier shape (list or scalar) for the key overrides it, which callers apply.
 */
enum AttributeType {
    BOOLEAN("BOOLEAN", null), BIGINT("BIGINT", null), DOUBLE("DOUBLE", null), VARCHAR("VARCHAR", null),
    BOOLEAN_LIST("BOOLEAN[]", "BOOLEAN"), BIGINT_LIST("BIGINT[]", "BIGINT"),
    DOUBLE_LIST("DOUBLE[]", "DOUBLE"), VARCHAR_LIST("VARCHAR[]", "VARCHAR"),
    /** The overflow column of a family: its JSON object stored as a map of key to value as text. */
    OVERFLOW("MAP(VARCHAR, VARCHAR)", null);

    final String sqlType;
    final String elementType;

    AttributeType(String sqlType, String elementType) {
        this.sqlType = sqlType;
        this.elementType = elementType;
    }

    boolean isList() {
        return elementType != null;
    }

    /** The type of a column whose values have the {@link SpanChunk} kinds {@code kinds} (OR-ed). */
    static AttributeType resolve(int kinds) {
        if (only(kinds, K_BOOL)) {
            return BOOLEAN;
        } else if (only(kinds, K_INT)) {
            return BIGINT;
        } else if (only(kinds, K_INT | K_DOUBLE)) {
            return DOUBLE;
        } else if (only(kinds, K_STRING)) {
            return VARCHAR;
        } else if (only(kinds, K_BOOL_ARRAY | K_EMPTY_ARRAY) && (kinds & K_BOOL_ARRAY) != 0) {
            return BOOLEAN_LIST;
        } else if (only(kinds, K_INT_ARRAY | K_EMPTY_ARRAY) && (kinds & K_INT_ARRAY) != 0) {
            return BIGINT_LIST;
        } else if (only(kinds, K_INT_ARRAY | K_DOUBLE_ARRAY | K_EMPTY_ARRAY) && (kinds & K_DOUBLE_ARRAY) != 0) {
            return DOUBLE_LIST;
        } else if (only(kinds, K_STRING_ARRAY | K_EMPTY_ARRAY)) {
            return VARCHAR_LIST;
        }
        return VARCHAR;
    }

    /**
     * The type column {@code name} gets in this file: {@link #resolve}d from {@code kinds}, unless the files
     * already hold it in the other shape (list or scalar), which it then keeps, as text.
     */
    static AttributeType inFile(String name, int kinds, AttributeShapes shapes) {
        AttributeType type = resolve(kinds);
        Boolean storedAsList = shapes.isList(name);
        if (storedAsList != null && storedAsList != type.isList()) {
            type = storedAsList ? VARCHAR_LIST : VARCHAR;
        }
        return type;
    }

    /** An empty vector that stages a column of this type (lists as JSON text). */
    FieldVector newVector(String name, BufferAllocator allocator) {
        return switch (this) {
            case BOOLEAN -> new BitVector(name, allocator);
            case BIGINT -> new BigIntVector(name, allocator);
            case DOUBLE -> new Float8Vector(name, allocator);
            default -> new VarCharVector(name, allocator);
        };
    }

    private static boolean only(int kinds, int allowed) {
        return kinds != 0 && (kinds & ~allowed) == 0;
    }
}
