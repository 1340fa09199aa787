/**
 * The OTLP/HTTP load driver of the ingest benchmark: sends the seeded workload to a running
 * server from several clients and reports acknowledged spans/s, latency, refusals and the
 * server's CPU and memory; start at {@link io.contrail.bench.load.LoadDriver}, or run
 * {@code bench/load/run}, which starts a fresh server around it.
 */
package io.contrail.bench.load;
