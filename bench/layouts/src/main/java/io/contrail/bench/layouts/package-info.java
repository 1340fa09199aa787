/**
 * Benchmark of candidate Parquet representations of span attributes for DuckDB queries (maps,
 * JSON, VARIANT, a typed column per key per file) against built-in columns. Run it with
 * {@code bench/layouts/run}; the recorded results and the decision are in
 * {@code bench/results/attribute-layouts.md}.
 */
package io.contrail.bench.layouts;
