package io.contrail.workload;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the spans of one request and groups them the way an OTLP exporter does: one
 * ResourceSpans per pod (in pod order), inside it one ScopeSpans per instrumentation scope (in
 * slot order), spans in the order they were added. The fixed ordering keeps output byte-identical
 * for a given seed.
 */
final class RequestAssembler {

  static final String SCHEMA_URL = "https://opentelemetry.io/schemas/1.34.0";

  private final List<Pod> pods;
  private final List<List<Span>> buckets;

  RequestAssembler(List<Pod> pods) {
    this.pods = pods;
    int slots = pods.size() * ServiceTopology.MAX_SCOPES_PER_SERVICE;
    this.buckets = new ArrayList<>(slots);
    for (int i = 0; i < slots; i++) {
      buckets.add(new ArrayList<>());
    }
  }

  void add(Pod pod, Scope scope, Span span) {
    buckets.get(pod.index() * ServiceTopology.MAX_SCOPES_PER_SERVICE + scope.slot()).add(span);
  }

  /** The request holding every span added since the last call; empties the assembler. */
  ExportTraceServiceRequest drain() {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (Pod pod : pods) {
      ResourceSpans.Builder resourceSpans = null;
      for (Scope scope : pod.service().scopes()) {
        List<Span> spans =
            buckets.get(pod.index() * ServiceTopology.MAX_SCOPES_PER_SERVICE + scope.slot());
        if (spans.isEmpty()) {
          continue;
        }
        if (resourceSpans == null) {
          resourceSpans = ResourceSpans.newBuilder().setResource(pod.resource()).setSchemaUrl(SCHEMA_URL);
        }
        resourceSpans.addScopeSpans(ScopeSpans.newBuilder()
            .setScope(scope.proto())
            .setSchemaUrl(SCHEMA_URL)
            .addAllSpans(spans));
        spans.clear();
      }
      if (resourceSpans != null) {
        request.addResourceSpans(resourceSpans);
      }
    }
    return request.build();
  }
}
