package io.contrail.bench.layouts;

/**
 * One span attribute key of the synthetic workload: its OpenTelemetry value type, on which spans it
 * appears and how its value is drawn. {@code presentWhen} and {@code value} are DuckDB SQL over the
 * columns of the generator's {@code span_base} table; they may call {@code random()}, which the
 * generator replaces with a reproducible per-span draw.
 */
record AttributeKey(String name, ValueType type, String presentWhen, String value) {

  /** The OpenTelemetry attribute value types this benchmark uses, with the DuckDB type each maps to. */
  enum ValueType {
    STRING("VARCHAR"),
    INT("BIGINT"),
    DOUBLE("DOUBLE"),
    BOOL("BOOLEAN");

    final String sqlType;

    ValueType(String sqlType) {
      this.sqlType = sqlType;
    }
  }

  /** The key as a quoted SQL identifier; keys contain dots, so they always need quoting. */
  String column() {
    return '"' + name + '"';
  }

  /** The key as a SQL string literal, e.g. for map subscripts. */
  String literal() {
    return "'" + name.replace("'", "''") + "'";
  }
}
