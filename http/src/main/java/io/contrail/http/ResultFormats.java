package io.contrail.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.QueryResult;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a query's answer as the JSON document of {@code /api/sql}, as CSV, or as a text table. */
final class ResultFormats {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();

    private ResultFormats() {
    }

    static Map<String, Object> json(QueryResult result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("columns", result.columns());
        body.put("rows", result.rows());
        body.put("truncated", result.truncated());
        return body;
    }

    /**
     * Writes {@code rows} as the JSON document of {@code /api/sql}, row by row, as they are read; a cut answer
     * (those rows from {@code offset} on) says where the next page starts: {@code "nextOffset"}.
     */
    static void json(QueryEngine.Rows rows, long offset, OutputStream out) throws IOException, QueryException {
        // Before anything is written, so that the refusal still gets its status.
        List<Object> first = rows.next();
        if (first == null && rows.truncated()) {
            // The first row alone is past the byte cap: a page without it would send the client back to it.
            throw new IllegalArgumentException("the row at offset " + offset + " is larger than the answer's byte "
                    + "cap: select fewer or shorter columns (e.g. left(col, 1000))");
        }
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectField("columns", rows.columns());
            json.writeArrayFieldStart("rows");
            long written = 0;
            for (List<Object> row = first; row != null; row = rows.next()) {
                json.writeObject(row);
                written++;
            }
            json.writeEndArray();
            json.writeBooleanField("truncated", rows.truncated());
            if (rows.truncated()) {
                json.writeNumberField("nextOffset", offset + written);
            }
            json.writeEndObject();
        }
    }

    /**
     * Writes {@code rows} as newline-delimited JSON, one object per row keyed by column name, as they are read
     * (pandas: {@code read_json(…, lines=True)}). A name that repeats gets {@code _2}, {@code _3}, … after it.
     */
    static void ndjson(QueryEngine.Rows rows, OutputStream out) throws IOException, QueryException {
        List<String> names = uniqueNames(rows.columns());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
            boolean any = false;
            for (List<Object> row = rows.next(); row != null; row = rows.next()) {
                json.writeStartObject();
                for (int i = 0; i < names.size(); i++) {
                    json.writeObjectField(names.get(i), row.get(i));
                }
                json.writeEndObject();
                any = true;
            }
            if (any) {
                json.writeRaw('\n');
            }
        }
    }

    /** The columns' names as NDJSON keys: a name that repeats gets {@code _2}, {@code _3}, … after it. */
    static List<String> uniqueNames(List<QueryResult.Column> columns) {
        List<String> names = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (QueryResult.Column column : columns) {
            String name = column.name();
            for (int n = 2; !seen.add(name); n++) {
                name = column.name() + "_" + n;
            }
            names.add(name);
        }
        return names;
    }

    /**
     * The columns' NDJSON names and DuckDB types, in order, as the JSON text {@code [["name","TYPE"],…]} with every
     * character past ASCII escaped (a header value); empty when it would be longer than {@code maxLength}.
     */
    static java.util.Optional<String> columnsHeader(List<QueryResult.Column> columns, int maxLength) throws IOException {
        List<String> names = uniqueNames(columns);
        java.io.StringWriter text = new java.io.StringWriter();
        try (JsonGenerator json = JSON.getFactory().createGenerator(text)
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature())) {
            json.writeStartArray();
            for (int i = 0; i < columns.size(); i++) {
                json.writeStartArray();
                json.writeString(names.get(i));
                json.writeString(columns.get(i).type());
                json.writeEndArray();
            }
            json.writeEndArray();
        }
        return text.getBuffer().length() <= maxLength ? java.util.Optional.of(text.toString()) : java.util.Optional.empty();
    }

    /** Writes {@code rows} as CSV with a header line, row by row, as they are read. */
    static void csv(QueryEngine.Rows rows, OutputStream out) throws IOException, QueryException {
        try (SequenceWriter writer = CSV.writer(csvSchema(rows.columns())).writeValues(out)) {
            for (List<Object> row = rows.next(); row != null; row = rows.next()) {
                writer.write(flatten(row));
            }
        }
    }

    private static CsvSchema csvSchema(List<QueryResult.Column> columns) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        for (QueryResult.Column column : columns) {
            schema.addColumn(column.name());
        }
        return schema.build();
    }

    static void csv(QueryResult result, OutputStream out) throws IOException {
        try (SequenceWriter writer = CSV.writer(csvSchema(result.columns())).writeValues(out)) {
            for (List<Object> row : result.rows()) {
                writer.write(flatten(row));
            }
        }
    }

    /** CSV cells are text: nested values (lists, structs) become JSON. */
    private static List<Object> flatten(List<Object> row) throws JsonProcessingException {
        List<Object> cells = new ArrayList<>(row.size());
        for (Object value : row) {
            cells.add(value instanceof List<?> || value instanceof Map<?, ?> ? JSON.writeValueAsString(value) : value);
        }
        return cells;
    }

    static void table(QueryResult result, PrintStream out) throws JsonProcessingException {
        int columns = result.columns().size();
        List<String[]> cells = new ArrayList<>();
        String[] header = new String[columns];
        int[] width = new int[columns];
        for (int i = 0; i < columns; i++) {
            header[i] = result.columns().get(i).name();
            width[i] = header[i].length();
        }
        for (List<Object> row : result.rows()) {
            String[] line = new String[columns];
            List<Object> flat = flatten(row);
            for (int i = 0; i < columns; i++) {
                line[i] = flat.get(i) == null ? "NULL" : String.valueOf(flat.get(i));
                width[i] = Math.min(60, Math.max(width[i], line[i].length()));
            }
            cells.add(line);
        }
        printRow(out, header, width);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
        }
        out.println(rule);
        for (String[] line : cells) {
            printRow(out, line, width);
        }
        out.println("(" + result.rows().size() + (result.rows().size() == 1 ? " row" : " rows")
                + (result.truncated() ? ", truncated" : "") + ")");
    }

    private static void printRow(PrintStream out, String[] values, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            String value = values[i].length() > width[i] ? values[i].substring(0, width[i] - 1) + "…" : values[i];
            line.append(i == 0 ? "" : " | ").append(value).append(" ".repeat(width[i] - value.length()));
        }
        out.println(line.toString().stripTrailing());
    }
}
