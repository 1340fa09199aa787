/**
 * A seeded generator of realistic OTLP trace traffic for the demo and the benchmarks; start at
 * {@link io.contrail.workload.Workload}.
 */
package io.contrail.workload;
