/**
 * Receivers' wire-format layer: reads request bodies (identity or gzip, bounded), decodes OTLP/HTTP
 * protobuf, OTLP/JSON and Zipkin v2 JSON into normalized OTLP {@code TracesData}, and validates each
 * span so that a request with some bad spans is partially accepted instead of failing whole.
 *
 * <p>Knows wire formats only: nothing here touches files or an HTTP framework. Every failure a
 * client caused surfaces as an {@link io.contrail.ingest.IngestException} carrying the HTTP status
 * to answer with.
 */
package io.contrail.ingest;
