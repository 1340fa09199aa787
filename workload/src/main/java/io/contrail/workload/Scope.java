package io.contrail.workload;

import io.opentelemetry.proto.common.v1.InstrumentationScope;

/**
 * One instrumentation scope of a service; its {@code slot} (0-based, per service) orders the
 * ScopeSpans of a request.
 */
record Scope(int slot, InstrumentationScope proto) {

  static Scope of(int slot, String name, String version) {
    return new Scope(slot, InstrumentationScope.newBuilder().setName(name).setVersion(version).build());
  }
}
