package io.contrail.workload;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Generated requests, parsed back and indexed by trace id and parent, the way the warehouse will
 * see them: a test fixture for checking trace shape.
 */
final class CollectedTraces {

  /** A span together with the service, and the version of it, that reported it. */
  record ReportedSpan(Span span, String service, String serviceVersion) {

    Optional<AnyValue> attribute(String key) {
      for (KeyValue attribute : span.getAttributesList()) {
        if (attribute.getKey().equals(key)) {
          return Optional.of(attribute.getValue());
        }
      }
      return Optional.empty();
    }

    boolean has(String key) {
      return attribute(key).isPresent();
    }

    Span.SpanKind kind() {
      return span.getKind();
    }

    boolean isError() {
      return span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
    }

    /** A CLIENT span that calls another instrumented service over gRPC or HTTP. */
    boolean isServiceHop() {
      return kind() == Span.SpanKind.SPAN_KIND_CLIENT
          && (has(AttributeKeys.RPC_SYSTEM) || has(AttributeKeys.URL_FULL));
    }
  }

  /** The spans of one trace id. */
  record Trace(ByteString traceId, List<ReportedSpan> spans, Map<ByteString, ReportedSpan> bySpanId,
      Map<ByteString, List<ReportedSpan>> childrenBySpanId) {

    ReportedSpan root() {
      return spans.stream()
          .filter(span -> span.span().getParentSpanId().isEmpty())
          .findFirst()
          .orElseThrow(() -> new AssertionError("trace without a root"));
    }

    List<ReportedSpan> children(ReportedSpan span) {
      return childrenBySpanId.getOrDefault(span.span().getSpanId(), List.of());
    }

    Optional<ReportedSpan> parent(ReportedSpan span) {
      return Optional.ofNullable(bySpanId.get(span.span().getParentSpanId()));
    }

    /** Levels from the root down to the deepest span; a root alone is depth 1. */
    int depth() {
      return depth(root());
    }

    private int depth(ReportedSpan span) {
      int deepest = 0;
      for (ReportedSpan child : children(span)) {
        deepest = Math.max(deepest, depth(child));
      }
      return deepest + 1;
    }

    /** Whether this trace started at the frontend, rather than being an orphaned subtree. */
    boolean startsAtFrontend() {
      return root().service().equals("frontend");
    }

    /** Service-hop CLIENT spans with no SERVER child: the callee lost the trace context. */
    List<ReportedSpan> brokenHops() {
      List<ReportedSpan> broken = new ArrayList<>();
      for (ReportedSpan span : spans) {
        if (span.isServiceHop() && children(span).stream()
            .noneMatch(child -> child.kind() == Span.SpanKind.SPAN_KIND_SERVER)) {
          broken.add(span);
        }
      }
      return broken;
    }

    boolean hasError() {
      return spans.stream().anyMatch(ReportedSpan::isError);
    }
  }

  private final List<ReportedSpan> spans = new ArrayList<>();
  private final Map<ByteString, Trace> traces = new LinkedHashMap<>();

  static CollectedTraces of(List<ExportTraceServiceRequest> requests) {
    CollectedTraces collected = new CollectedTraces();
    Map<ByteString, List<ReportedSpan>> byTrace = new LinkedHashMap<>();
    for (ExportTraceServiceRequest request : requests) {
      for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
        String service = resourceAttribute(resourceSpans, AttributeKeys.SERVICE_NAME);
        String version = resourceAttribute(resourceSpans, AttributeKeys.SERVICE_VERSION);
        for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
          for (Span span : scopeSpans.getSpansList()) {
            ReportedSpan reported = new ReportedSpan(span, service, version);
            collected.spans.add(reported);
            byTrace.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(reported);
          }
        }
      }
    }
    byTrace.forEach((traceId, traceSpans) -> {
      Map<ByteString, ReportedSpan> bySpanId = new LinkedHashMap<>();
      Map<ByteString, List<ReportedSpan>> children = new LinkedHashMap<>();
      for (ReportedSpan span : traceSpans) {
        bySpanId.put(span.span().getSpanId(), span);
        if (!span.span().getParentSpanId().isEmpty()) {
          children.computeIfAbsent(span.span().getParentSpanId(), id -> new ArrayList<>()).add(span);
        }
      }
      collected.traces.put(traceId, new Trace(traceId, traceSpans, bySpanId, children));
    });
    return collected;
  }

  static String resourceAttribute(ResourceSpans resourceSpans, String key) {
    return resourceSpans.getResource().getAttributesList().stream()
        .filter(attribute -> attribute.getKey().equals(key))
        .map(attribute -> attribute.getValue().getStringValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError("resource without " + key));
  }

  List<ReportedSpan> spans() {
    return spans;
  }

  List<Trace> traces() {
    return List.copyOf(traces.values());
  }

  /** Traces that start at the frontend: one per generated trace. */
  List<Trace> frontendTraces() {
    return traces.values().stream().filter(Trace::startsAtFrontend).toList();
  }

  /** Subtrees that lost their context and started a trace of their own. */
  List<Trace> orphanedTraces() {
    return traces.values().stream().filter(trace -> !trace.startsAtFrontend()).toList();
  }
}
