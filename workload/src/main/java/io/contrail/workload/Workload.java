package io.contrail.workload;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;

/**
 * A seeded, deterministic source of realistic OTLP trace traffic, shaped like the OpenTelemetry
 * demo shop: thirteen services (frontend, cart, checkout, payment, currency, shipping, email,
 * recommendation, ad, product-catalog, quote, fraud-detection, accounting) calling each other over
 * gRPC and HTTP, PostgreSQL, a Redis cart store and Kafka. The same builder settings always give
 * the same sequence of requests, byte for byte, on any JVM.
 *
 * <p>What the traces contain:
 * <ul>
 *   <li>Nine entry operations through the frontend (home page, product page, recommendations, ads,
 *       view and add to cart, shipping quote, currencies, checkout), 5 to 58 spans and 3 to 10
 *       levels deep. A hop between services is a CLIENT span in the caller and a SERVER span, its
 *       child, in the callee. Attributes follow the semantic conventions, 10 to 25 per span.
 *   <li>Latencies are log-normal per operation, with rare stalls; children nest inside their
 *       parents in time, except Kafka CONSUMER spans, which start after their PRODUCER span ends.
 *       product-catalog's PostgreSQL lookup by id is about 30x slower for 8% of calls, and the
 *       currency canary (version 2.1.0) is 1.8x slower than the stable pods.
 *   <li>{@link Builder#errorTraceRate} of traces (default 2%) fail: one span gets status ERROR and an
 *       {@code exception} event, and its ancestors get status ERROR too (HTTP 500 on HTTP spans),
 *       up to the root, except where the application absorbs the failure (a failed confirmation
 *       email stops at checkout's client span; a failed accounting insert stops at the consumer).
 *   <li>{@link Builder#brokenPropagationRate} of service hops (default 1%) lose the trace context:
 *       the callee's SERVER span starts a <em>new trace id</em> with no parent, so its subtree
 *       arrives as a separate, orphaned trace, and the original trace keeps a CLIENT span without a
 *       server child. Such orphans are counted by {@link #orphanedSubtreesGenerated()}, not by
 *       {@link #tracesGenerated()}, and both parts are in the same request.
 *   <li>Some Kafka consumer spans link to their producer span; checkout's PlaceOrder span carries
 *       "prepared", "charged" and "shipped" events; the ad service's gRPC spans carry message
 *       events.
 * </ul>
 *
 * <p>Trace {@code i} (from 0) starts at {@code startTimeUnixNano + i / tracesPerSecond} seconds
 * plus a jitter smaller than one trace interval, so a caller can ask for traffic starting now.
 *
 * <p>Not thread-safe: one thread drives a workload. It keeps no spans after returning a request.
 */
public final class Workload {

  public static final long DEFAULT_SEED = 42L;
  /** 2025-01-01T00:00:00Z. */
  public static final long DEFAULT_START_TIME_UNIX_NANO = 1_735_689_600_000_000_000L;
  public static final double DEFAULT_TRACES_PER_SECOND = 50.0;
  public static final double DEFAULT_ERROR_TRACE_RATE = 0.02;
  public static final double DEFAULT_BROKEN_PROPAGATION_RATE = 0.01;

  private final long startTimeUnixNano;
  private final double nanosPerTrace;
  private final SeededRandom random;
  private final TraceBuilder traceBuilder;
  private final RequestAssembler assembler;
  private final ShopTraffic traffic;
  private long tracesGenerated;

  private Workload(Builder builder) {
    this.startTimeUnixNano = builder.startTimeUnixNano;
    this.nanosPerTrace = 1e9 / builder.tracesPerSecond;
    this.random = new SeededRandom(builder.seed);
    ServiceTopology topology = new ServiceTopology();
    this.traceBuilder = new TraceBuilder(random, builder.brokenPropagationRate, builder.recordBrokenHops);
    this.assembler = new RequestAssembler(topology.pods());
    this.traffic = new ShopTraffic(topology, random, traceBuilder, assembler, builder.errorTraceRate);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The next {@code traceCount} traces, whole (every span of a trace, and of any subtree orphaned
   * from it, is in this request), grouped into one ResourceSpans per pod and one ScopeSpans per
   * instrumentation scope.
   */
  public ExportTraceServiceRequest nextRequest(int traceCount) {
    if (traceCount < 0) {
      throw new IllegalArgumentException("traceCount must not be negative: " + traceCount);
    }
    long jitterBoundNanos = Math.max(1L, (long) nanosPerTrace);
    for (int i = 0; i < traceCount; i++) {
      long slotStart = startTimeUnixNano + (long) (tracesGenerated * nanosPerTrace);
      traffic.nextTrace(slotStart + random.nextLong(jitterBoundNanos));
      tracesGenerated++;
    }
    return assembler.drain();
  }

  /** Spans returned so far, orphaned subtrees included. */
  public long spansGenerated() {
    return traceBuilder.spansBuilt();
  }

  /** Traces returned so far: the sum of the {@code traceCount}s asked for. */
  public long tracesGenerated() {
    return tracesGenerated;
  }

  /**
   * Subtrees that broken context propagation cut off into a trace id of their own, so far. The
   * distinct trace ids returned are {@code tracesGenerated() + orphanedSubtreesGenerated()}.
   */
  public long orphanedSubtreesGenerated() {
    return traceBuilder.orphanedSubtrees();
  }

  /**
   * One injected break: the caller's CLIENT span (in {@code traceId}) whose callee started trace
   * {@code orphanTraceId} of its own. Hex IDs, as Contrail stores them.
   */
  public record BrokenHop(String traceId, String clientSpanId, String clientService, String serverService,
      String orphanTraceId) {}

  /** Every break injected so far; only when built with {@link Builder#recordBrokenHops()}. */
  public List<BrokenHop> brokenHops() {
    return traceBuilder.brokenHops();
  }

  /** The simulated time at which the next trace's interval begins. */
  public long nextTraceStartUnixNano() {
    return startTimeUnixNano + (long) (tracesGenerated * nanosPerTrace);
  }

  /** Settings of a {@link Workload}; every one has a named default. */
  public static final class Builder {
    private long seed = DEFAULT_SEED;
    private long startTimeUnixNano = DEFAULT_START_TIME_UNIX_NANO;
    private double tracesPerSecond = DEFAULT_TRACES_PER_SECOND;
    private double errorTraceRate = DEFAULT_ERROR_TRACE_RATE;
    private double brokenPropagationRate = DEFAULT_BROKEN_PROPAGATION_RATE;
    private boolean recordBrokenHops;

    private Builder() {}

    /** Fixes every random choice; the same settings give the same output. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** When the first trace starts; pass the current time for live-looking data. */
    public Builder startTimeUnixNano(long startTimeUnixNano) {
      if (startTimeUnixNano < 0) {
        throw new IllegalArgumentException("startTimeUnixNano must not be negative");
      }
      this.startTimeUnixNano = startTimeUnixNano;
      return this;
    }

    /** The simulated arrival rate: how far apart in time consecutive traces start. */
    public Builder tracesPerSecond(double tracesPerSecond) {
      if (!(tracesPerSecond > 0) || Double.isInfinite(tracesPerSecond)) {
        throw new IllegalArgumentException("tracesPerSecond must be positive and finite: "
            + tracesPerSecond);
      }
      this.tracesPerSecond = tracesPerSecond;
      return this;
    }

    /** The fraction of traces in which something fails, in [0, 1]. */
    public Builder errorTraceRate(double errorTraceRate) {
      this.errorTraceRate = fraction("errorTraceRate", errorTraceRate);
      return this;
    }

    /** The fraction of service hops that lose the trace context, in [0, 1]. */
    /** Keep the ground truth of injected breaks, for {@link Workload#brokenHops()} (tests). */
    public Builder recordBrokenHops() {
      this.recordBrokenHops = true;
      return this;
    }

    public Builder brokenPropagationRate(double brokenPropagationRate) {
      this.brokenPropagationRate = fraction("brokenPropagationRate", brokenPropagationRate);
      return this;
    }

    public Workload build() {
      return new Workload(this);
    }

    private static double fraction(String name, double value) {
      if (!(value >= 0 && value <= 1)) {
        throw new IllegalArgumentException(name + " must be in [0, 1]: " + value);
      }
      return value;
    }
  }
}
