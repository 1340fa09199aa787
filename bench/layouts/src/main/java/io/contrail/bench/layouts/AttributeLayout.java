package io.contrail.bench.layouts;

import io.contrail.bench.layouts.AttributeKey.ValueType;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One candidate on-disk representation of span attributes. A layout says how to build the
 * attribute column(s) of one Parquet file from the generator's wide {@code source} table, and
 * how a query reads one key's typed value back. The core span columns are stored the same way by
 * every layout, so differences in size and speed come from the attributes alone.
 */
sealed interface AttributeLayout {

  /** Human-readable name for the results table. */
  String label();

  /** Folder name for this layout's files. */
  String directoryName();

  /**
   * The query producing the rows of one file, in arrival order: the core span columns plus this
   * layout's attribute column(s), from the {@code source} rows matching {@code sourceFilter}.
   * {@code keysInFile} are the keys that have at least one value among those rows.
   */
  String fileQuery(String sourceFilter, List<AttributeKey> keysInFile);

  /** SQL expression for the typed value of {@code key} on a row of the {@code spans} view; NULL if absent. */
  String valueOf(AttributeKey key);

  /** Whether files of this layout differ in columns and must be read with {@code union_by_name}. */
  default boolean readByName() {
    return false;
  }

  /** The candidates, baseline first. */
  static List<AttributeLayout> all(List<AttributeKey> promotedKeys) {
    return List.of(new BuiltInColumns(promotedKeys), new StringMap(), new TypedMaps(),
        new JsonText(), new Variant(), new ColumnPerKey());
  }

  /**
   * The baseline: only the keys the queries touch, promoted to ordinary named columns
   * ({@code http.route} becomes {@code http_route}) with a fixed schema in every file. It does not
   * store the other attributes, so its size is not comparable; its query times are the reference.
   */
  record BuiltInColumns(List<AttributeKey> promotedKeys) implements AttributeLayout {
    @Override public String label() {
      return "baseline: built-in columns (queried keys only)";
    }

    @Override public String directoryName() {
      return "built-in-columns";
    }

    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      return select(promotedKeys.stream()
          .map(k -> k.column() + " AS " + columnName(k))
          .collect(Collectors.joining(", ")), sourceFilter);
    }

    @Override public String valueOf(AttributeKey key) {
      if (!promotedKeys.contains(key)) {
        throw new IllegalArgumentException(key.name() + " is not a built-in column");
      }
      return columnName(key);
    }

    private static String columnName(AttributeKey key) {
      return key.name().replace('.', '_');
    }
  }

  /** (a) One {@code MAP(VARCHAR, VARCHAR)} column; numbers and booleans stored as their text. */
  record StringMap() implements AttributeLayout {
    @Override public String label() {
      return "(a) MAP(VARCHAR, VARCHAR)";
    }

    @Override public String directoryName() {
      return "string-map";
    }

    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      return select(mapOf(keysInFile, k -> "CAST(" + k.column() + " AS VARCHAR)") + " AS attributes",
          sourceFilter);
    }

    @Override public String valueOf(AttributeKey key) {
      String text = "attributes[" + key.literal() + "]";
      return key.type() == ValueType.STRING ? text : "CAST(" + text + " AS " + key.type().sqlType + ")";
    }
  }

  /** (b) One map per value type: {@code attr_str}, {@code attr_int}, {@code attr_double}, {@code attr_bool}. */
  record TypedMaps() implements AttributeLayout {
    private static final Map<ValueType, String> COLUMNS = Map.of(
        ValueType.STRING, "attr_str", ValueType.INT, "attr_int",
        ValueType.DOUBLE, "attr_double", ValueType.BOOL, "attr_bool");

    @Override public String label() {
      return "(b) typed maps (str / int / double / bool)";
    }

    @Override public String directoryName() {
      return "typed-maps";
    }

    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      return select(List.of(ValueType.values()).stream()
          .map(type -> {
            List<AttributeKey> ofType = keysInFile.stream().filter(k -> k.type() == type).toList();
            String map = ofType.isEmpty()
                ? "MAP()::MAP(VARCHAR, " + type.sqlType + ")"
                : mapOf(ofType, AttributeKey::column);
            return map + " AS " + COLUMNS.get(type);
          })
          .collect(Collectors.joining(", ")), sourceFilter);
    }

    @Override public String valueOf(AttributeKey key) {
      return COLUMNS.get(key.type()) + "[" + key.literal() + "]";
    }
  }

  /** (c) One JSON text column holding an object of the span's keys with typed JSON values. */
  record JsonText() implements AttributeLayout {
    @Override public String label() {
      return "(c) JSON text";
    }

    @Override public String directoryName() {
      return "json";
    }

    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      return select(jsonObject(keysInFile) + " AS attributes", sourceFilter);
    }

    @Override public String valueOf(AttributeKey key) {
      String text = "(attributes ->> '$.\"" + key.name() + "\"')";
      return key.type() == ValueType.STRING ? text : "CAST(" + text + " AS " + key.type().sqlType + ")";
    }
  }

  /**
   * (d) One DuckDB {@code VARIANT} column, written as a Parquet VARIANT; DuckDB shreds frequent
   * keys into typed sub-columns on write. In DuckDB 2.0.0 a key read in the select list is
   * fetched from its sub-column only when the query names {@code read_parquet} itself: through a
   * view or subquery the whole variant is read and rebuilt (filters are still pushed down).
   */
  record Variant() implements AttributeLayout {
    @Override public String label() {
      return "(d) VARIANT (shredded by DuckDB)";
    }

    @Override public String directoryName() {
      return "variant";
    }

    /**
     * Builds each span's object from (key, typed value) pairs with {@code variant_group_object}.
     * Casting the JSON text to VARIANT would be quicker but turns every integer into UINT64,
     * which then does not fit the INT64 shredded column and stays in the unshredded binary.
     */
    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      String pairs = keysInFile.stream()
          .map(k -> "{'key': " + k.literal() + ", 'value': CAST(" + k.column() + " AS VARIANT)}")
          .collect(Collectors.joining(", ", "[", "]"));
      String objects = "SELECT span_index, variant_group_object(pair.key, pair.value) AS attributes"
          + " FROM (SELECT span_index, unnest(list_filter(" + pairs + ", lambda p: p.value IS NOT NULL)) AS pair"
          + " FROM " + SyntheticSpans.SOURCE_TABLE + " WHERE " + sourceFilter + ") GROUP BY span_index";
      return "SELECT " + String.join(", ", SyntheticSpans.CORE_COLUMNS) + ", attributes"
          + " FROM " + SyntheticSpans.SOURCE_TABLE + " LEFT JOIN (" + objects + ") USING (span_index)"
          + " WHERE " + sourceFilter + " ORDER BY span_index";
    }

    @Override public String valueOf(AttributeKey key) {
      return "CAST(variant_extract(attributes, " + key.literal() + ") AS " + key.type().sqlType + ")";
    }
  }

  /**
   * (e) Every key present in a file becomes its own typed column, named {@code attr.<key>}; files
   * differ in columns and are read with {@code union_by_name}.
   */
  record ColumnPerKey() implements AttributeLayout {
    @Override public String label() {
      return "(e) typed column per key, per file (union_by_name)";
    }

    @Override public String directoryName() {
      return "column-per-key";
    }

    @Override public String fileQuery(String sourceFilter, List<AttributeKey> keysInFile) {
      return select(keysInFile.stream()
          .map(k -> k.column() + " AS \"attr." + k.name() + '"')
          .collect(Collectors.joining(", ")), sourceFilter);
    }

    @Override public String valueOf(AttributeKey key) {
      return "\"attr." + key.name() + '"';
    }

    @Override public boolean readByName() {
      return true;
    }
  }

  /** The core span columns and {@code attributeColumns} (select-list items) of the matching source rows. */
  private static String select(String attributeColumns, String sourceFilter) {
    return "SELECT " + String.join(", ", SyntheticSpans.CORE_COLUMNS)
        + (attributeColumns.isEmpty() ? "" : ", " + attributeColumns)
        + " FROM " + SyntheticSpans.SOURCE_TABLE + " WHERE " + sourceFilter + " ORDER BY span_index";
  }

  /** A MAP from the keys' names to {@code value(key)}, holding only the keys the row carries. */
  private static String mapOf(List<AttributeKey> keys, Function<AttributeKey, String> value) {
    return keys.stream()
        .map(k -> "{'key': " + k.literal() + ", 'value': " + value.apply(k) + "}")
        .collect(Collectors.joining(", ", "map_from_entries(list_filter([",
            "], lambda e: e.value IS NOT NULL))"));
  }

  private static String jsonObject(List<AttributeKey> keys) {
    return "to_json(" + mapOf(keys, k -> "to_json(" + k.column() + ")") + ")";
  }
}
