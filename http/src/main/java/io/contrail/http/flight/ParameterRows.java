package io.contrail.http.flight;

import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The values a client binds to a prepared statement's placeholders: the Arrow batches of a DoPut, one column per
 * placeholder in order, one row per execution. Each value becomes what {@link io.contrail.query.SqlRequest} binds —
 * text, a whole number, a decimal, a boolean or null —; dates and times become ISO-8601 text (a time as an instant
 * in UTC), which DuckDB casts to what the statement compares them with. Other Arrow types are refused, naming the
 * placeholder and the type.
 */
final class ParameterRows {

    /** The most rows one DoPut may bind: each is one execution of the statement. */
    static final int MAX_ROWS = 10_000;
    /**
     * The most text one DoPut may bind, all values together: they are kept with the statement until it is closed,
     * and every tenant may hold {@link PreparedStatements#MAX_OPEN_PER_TENANT} statements.
     */
    static final long MAX_TEXT_CHARS = 1 << 20;

    private ParameterRows() {
    }

    /** Every row of {@code stream}'s batches, each with {@code placeholders} values. */
    static List<List<Object>> read(FlightStream stream, int placeholders) {
        List<List<Object>> rows = new ArrayList<>();
        long chars = 0;
        while (stream.next()) {
            VectorSchemaRoot batch = stream.getRoot();
            int columns = batch.getFieldVectors().size();
            if (columns != placeholders) {
                throw FlightErrors.invalid("the statement has " + placeholders + (placeholders == 1 ? " placeholder"
                        : " placeholders") + " (? or $n) and the parameter batch has " + columns
                        + (columns == 1 ? " column" : " columns"));
            }
            if (rows.size() + batch.getRowCount() > MAX_ROWS) {
                throw FlightErrors.invalid("at most " + MAX_ROWS + " rows of parameters may be bound at once (each "
                        + "is one execution of the statement)");
            }
            for (int row = 0; row < batch.getRowCount(); row++) {
                List<Object> values = new ArrayList<>(columns);
                for (int column = 0; column < columns; column++) {
                    Object value = value(batch.getVector(column), row, column + 1);
                    chars += value instanceof String text ? text.length() : 0;
                    if (chars > MAX_TEXT_CHARS) {
                        throw FlightErrors.invalid("at most " + MAX_TEXT_CHARS + " characters of text may be bound at "
                                + "once, all parameters together");
                    }
                    values.add(value);
                }
                rows.add(values);
            }
        }
        return rows;
    }

    /** The value of placeholder {@code $number} in {@code row}, as the engine binds it. */
    private static Object value(FieldVector vector, int row, int number) {
        if (vector.isNull(row)) {
            return null;
        }
        ArrowType type = vector.getField().getType();
        return switch (type.getTypeID()) {
            case Utf8, LargeUtf8, Utf8View -> vector.getObject(row).toString();
            case Bool -> vector.getObject(row);
            case Int -> wholeNumber(vector, row);
            case FloatingPoint -> ((Number) vector.getObject(row)).doubleValue();
            case Decimal -> (BigDecimal) vector.getObject(row);
            case Date -> vector instanceof DateDayVector days ? LocalDate.ofEpochDay(days.get(row)).toString()
                    : ((DateMilliVector) vector).getObject(row).toLocalDate().toString();
            case Timestamp -> instant((TimeStampVector) vector, (ArrowType.Timestamp) type, row).toString();
            case Null -> null;
            default -> throw FlightErrors.invalid("placeholder $" + number + ": a value of Arrow type " + type
                    + " cannot be bound; send text, a whole number, a decimal, a boolean, a date or a timestamp");
        };
    }

    /** A whole number as a long; an unsigned 64-bit one, which may not fit, as a BigInteger. */
    private static Object wholeNumber(FieldVector vector, int row) {
        if (vector instanceof UInt8Vector unsigned) {
            return unsigned.getObjectNoOverflow(row);
        }
        return ((BaseIntVector) vector).getValueAsLong(row);
    }

    /** The instant a timestamp holds; one without a time zone is read as UTC, as Contrail's times are. */
    private static Instant instant(TimeStampVector vector, ArrowType.Timestamp type, int row) {
        long value = vector.get(row);
        return switch (type.getUnit()) {
            case SECOND -> Instant.ofEpochSecond(value);
            case MILLISECOND -> Instant.ofEpochMilli(value);
            case MICROSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L),
                    Math.floorMod(value, 1_000_000L) * 1_000L);
            case NANOSECOND -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L),
                    Math.floorMod(value, 1_000_000_000L));
        };
    }
}
