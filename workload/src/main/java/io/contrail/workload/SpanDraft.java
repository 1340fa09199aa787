package io.contrail.workload;

import static io.contrail.workload.AttributePools.kv;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.SpanFlags;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * A span while its trace is being built: identity and attributes are fixed when it is created,
 * while timing and outcome are filled in later ({@link TraceTimeline}, {@link TraceBuilder#fail})
 * before it is encoded once with {@link #toProto()}.
 *
 * <p>{@code parent} is the span that caused this one, which is also the one it nests inside in
 * time. It is usually, but not always, the span named by {@code parentSpanId}: an orphan server
 * span behind broken context propagation has a parent but no parent span id.
 */
final class SpanDraft {

  private static final int SAMPLED = 0x01;
  private static final int LOCAL_PARENT_FLAGS =
      SAMPLED | SpanFlags.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK_VALUE;
  private static final int REMOTE_PARENT_FLAGS =
      LOCAL_PARENT_FLAGS | SpanFlags.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK_VALUE;

  /** An event whose time is either the end of {@code anchor} or a fraction into this span. */
  private record PendingEvent(String name, SpanDraft anchor, double fraction, List<KeyValue> attributes) {}

  final SpanDraft parent;
  final Pod pod;
  final Scope scope;
  final String name;
  final Span.SpanKind kind;
  final ByteString traceId;
  final ByteString spanId;
  final ByteString parentSpanId;
  final boolean remoteParent;
  final List<SpanDraft> children = new ArrayList<>(4);
  private final List<KeyValue> attributes = new ArrayList<>(24);
  private List<PendingEvent> events;
  private SpanDraft linkTarget;

  /** For a SERVER span reached through a service hop: the caller's CLIENT span. */
  SpanDraft hopClient;

  // Layout, see TraceTimeline.
  boolean parallelWithPrevious;
  /** Starts after the parent ends (a message consumer), instead of inside it. */
  boolean async;
  long delayNanos;
  long preNanos;
  long postNanos;
  long offsetNanos;
  long durationNanos;
  long startUnixNano;
  long endUnixNano;

  // Outcome.
  /** The HTTP status this span reports, 0 when it is not an HTTP span. */
  int httpStatusCode;
  /** The gRPC status this span reports, -1 when it is not a gRPC span. */
  int grpcStatusCode = -1;
  /** Stops an error coming from below from reaching this span's ancestors. */
  boolean containsErrors;
  private Failure error;
  private boolean recordsException;

  SpanDraft(SpanDraft parent, Pod pod, Scope scope, String name, Span.SpanKind kind,
      ByteString traceId, ByteString spanId, ByteString parentSpanId, boolean remoteParent) {
    this.parent = parent;
    this.pod = pod;
    this.scope = scope;
    this.name = name;
    this.kind = kind;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.remoteParent = remoteParent;
  }

  SpanDraft attr(KeyValue attribute) {
    attributes.add(attribute);
    return this;
  }

  SpanDraft attr(String key, String value) {
    return attr(kv(key, value));
  }

  SpanDraft attr(String key, long value) {
    return attr(kv(key, value));
  }

  SpanDraft attr(String key, double value) {
    return attr(kv(key, value));
  }

  SpanDraft attr(String key, boolean value) {
    return attr(kv(key, value));
  }

  /** Adds the attribute unless it is null (an optional value such as a guest's user id). */
  SpanDraft attrIfPresent(KeyValue attribute) {
    if (attribute != null) {
      attributes.add(attribute);
    }
    return this;
  }

  /** Runs alongside its previous sibling instead of after it; for a hop, the client span does. */
  SpanDraft parallelWithPrevious() {
    callSite().parallelWithPrevious = true;
    return this;
  }

  /** The span its caller sees as a child: the client span for a hop, otherwise this span. */
  SpanDraft callSite() {
    return hopClient != null ? hopClient : this;
  }

  SpanDraft eventAt(String name, double fractionOfDuration, List<KeyValue> attributes) {
    addEvent(new PendingEvent(name, null, fractionOfDuration, attributes));
    return this;
  }

  /** An event stamped when {@code anchor} (a descendant) ends. */
  SpanDraft eventAfter(String name, SpanDraft anchor, List<KeyValue> attributes) {
    addEvent(new PendingEvent(name, anchor, 0, attributes));
    return this;
  }

  SpanDraft linkTo(SpanDraft target) {
    linkTarget = target;
    return this;
  }

  boolean isError() {
    return error != null;
  }

  void markError(Failure failure) {
    error = failure;
    if (httpStatusCode > 0) {
      httpStatusCode = 500;
    }
    if (grpcStatusCode >= 0) {
      grpcStatusCode = failure.grpcStatusCode;
    }
  }

  void recordException(Failure failure) {
    markError(failure);
    recordsException = true;
  }

  Span toProto() {
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(spanId)
        .setParentSpanId(parentSpanId)
        .setFlags(remoteParent ? REMOTE_PARENT_FLAGS : LOCAL_PARENT_FLAGS)
        .setName(name)
        .setKind(kind)
        .setStartTimeUnixNano(startUnixNano)
        .setEndTimeUnixNano(endUnixNano)
        .addAllAttributes(attributes);
    if (httpStatusCode > 0) {
      span.addAttributes(AttributePools.httpStatus(httpStatusCode));
    }
    if (grpcStatusCode >= 0) {
      span.addAttributes(AttributePools.grpcStatus(grpcStatusCode));
    }
    if (error != null) {
      span.addAttributes(httpStatusCode >= 500 ? AttributePools.ERROR_TYPE_HTTP_500 : error.errorTypeKv);
      span.setStatus(Status.newBuilder()
          .setCode(Status.StatusCode.STATUS_CODE_ERROR)
          .setMessage(error.message));
    }
    if (events != null) {
      for (PendingEvent event : events) {
        long time = event.anchor() != null
            ? event.anchor().endUnixNano
            : startUnixNano + (long) (event.fraction() * (endUnixNano - startUnixNano));
        span.addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(time)
            .setName(event.name())
            .addAllAttributes(event.attributes()));
      }
    }
    if (recordsException) {
      span.addEvents(Span.Event.newBuilder()
          .setTimeUnixNano(endUnixNano)
          .setName("exception")
          .addAllAttributes(error.exceptionAttributes));
    }
    if (linkTarget != null) {
      span.addLinks(Span.Link.newBuilder()
          .setTraceId(linkTarget.traceId)
          .setSpanId(linkTarget.spanId)
          .setFlags(REMOTE_PARENT_FLAGS));
    }
    return span.build();
  }

  private void addEvent(PendingEvent event) {
    if (events == null) {
      events = new ArrayList<>(3);
    }
    events.add(event);
  }
}
