package io.contrail.workload;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;

/**
 * One running instance of a service: its OTLP resource and its cluster address. Spans of a
 * request are grouped into one ResourceSpans per pod, ordered by {@code index}.
 *
 * <p>{@code latencyFactor} above 1 marks a slower build (a canary with a regression).
 */
record Pod(int index, Service service, String version, String name, Resource resource,
    KeyValue peerAddressKv, KeyValue clientAddressKv, double latencyFactor) {}
