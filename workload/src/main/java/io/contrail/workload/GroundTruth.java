package io.contrail.workload;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What is true of the requests a workload produced, counted as they are sent: spans per trace and
 * per service, error spans per service, which traces failed, and how long each root took. A sampled
 * store is checked against it (are failures kept whole, do weights restore the counts?).
 *
 * <p>Not thread-safe: add every request from one thread, then read.
 */
public final class GroundTruth {

  private static final HexFormat HEX = HexFormat.of();

  private long spans;
  private final Map<String, Long> spansByService = new HashMap<>();
  private final Map<String, Long> errorSpansByService = new HashMap<>();
  private final Map<String, Integer> spansByTrace = new HashMap<>();
  private final Set<String> errorTraces = new HashSet<>();
  private final Map<String, Long> rootDurationNanos = new HashMap<>();

  /** Counts every span of {@code request}. */
  public void add(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      String service = serviceName(resourceSpans);
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          String traceId = HEX.formatHex(span.getTraceId().toByteArray());
          spans++;
          spansByService.merge(service, 1L, Long::sum);
          spansByTrace.merge(traceId, 1, Integer::sum);
          if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
            errorSpansByService.merge(service, 1L, Long::sum);
            errorTraces.add(traceId);
          }
          if (span.getParentSpanId().isEmpty()) {
            rootDurationNanos.put(traceId, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
          }
        }
      }
    }
  }

  private static String serviceName(ResourceSpans resourceSpans) {
    for (KeyValue kv : resourceSpans.getResource().getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "unknown_service";
  }

  public long spans() {
    return spans;
  }

  public Map<String, Long> spansByService() {
    return spansByService;
  }

  public Map<String, Long> errorSpansByService() {
    return errorSpansByService;
  }

  /** Trace ID (hex) to its number of spans. */
  public Map<String, Integer> spansByTrace() {
    return spansByTrace;
  }

  /** Traces with at least one span of status ERROR. */
  public Set<String> errorTraces() {
    return errorTraces;
  }

  /** The root duration, in whole milliseconds, that only a fraction {@code share} of traces reach. */
  public long rootMillisAtShare(double share) {
    List<Long> sorted = rootDurationNanos.values().stream().sorted().toList();
    return sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * (1 - share))) / 1_000_000;
  }

  /** Traces whose root took at least {@code thresholdMillis}. */
  public Set<String> tracesSlowerThan(long thresholdMillis) {
    Set<String> slow = new HashSet<>();
    rootDurationNanos.forEach((trace, nanos) -> {
      if (nanos / 1_000_000 >= thresholdMillis) {
        slow.add(trace);
      }
    });
    return slow;
  }
}
