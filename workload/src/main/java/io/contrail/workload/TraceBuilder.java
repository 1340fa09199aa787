package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one trace at a time as a tree of {@link SpanDraft}s. It knows how each kind of call looks
 * in OpenTelemetry (an entry request, a gRPC or HTTP hop between services, a SQL query, a cache
 * command, a Kafka send and its processing, internal work) and gives each span the standard
 * attributes of its kind; the caller adds the business attributes.
 *
 * <p>It also owns the two kinds of damage a trace can carry: the planned {@link Failure} (raised by
 * the caller through {@link #failureDue} and {@link #fail}) and broken context propagation, which
 * it applies to a fraction of service hops by itself. Not thread-safe.
 */
final class TraceBuilder {

  static final Latency NETWORK_ONE_WAY = Latency.micros(150, 0.5);
  /** Time between a Kafka send returning and a consumer starting to process the message. */
  static final Latency QUEUE_LAG = Latency.millis(12, 0.9);
  /** A rare stall (GC pause, CPU throttling) in a server span; the far end of the latency tail. */
  static final double STALL_PROBABILITY = 0.003;
  static final Latency STALL = Latency.millis(90, 0.6);
  private static final long MAX_SIBLING_GAP_NANOS = 40_000;
  private static final KeyValue SEND = kv(MESSAGING_OPERATION_TYPE, "send");
  private static final KeyValue SEND_NAME = kv(MESSAGING_OPERATION_NAME, "send");
  private static final KeyValue PROCESS = kv(MESSAGING_OPERATION_TYPE, "process");
  private static final KeyValue PROCESS_NAME = kv(MESSAGING_OPERATION_NAME, "process");
  private static final KeyValue REDIS_DATABASE = kv(DB_NAMESPACE, "0");
  private static final KeyValue REDIS_DATABASE_INDEX = kv(DB_REDIS_DATABASE_INDEX, 0L);
  private static final KeyValue REDIS_FLAGS = kv(DB_REDIS_FLAGS, "DemandMaster");

  /** A Kafka message as sent, for its consumers to pick up. */
  record PublishedMessage(SpanDraft producer, MessageTopic topic, Backend broker,
      KeyValue partitionKv, long offset, KeyValue keyKv, KeyValue bodySizeKv) {}

  private final SeededRandom random;
  private final double brokenPropagationRate;
  private final List<SpanDraft> drafts = new ArrayList<>(64);
  private final long[] nextKafkaOffset = {1_842_207L, 1_839_071L, 1_845_113L, 1_840_980L};
  private Failure plannedFailure;
  private boolean failureRaised;
  private long spansBuilt;
  private long orphanedSubtrees;
  /** Ground truth of the injected breaks; null unless asked for. */
  private final List<Workload.BrokenHop> brokenHops;

  TraceBuilder(SeededRandom random, double brokenPropagationRate, boolean recordBrokenHops) {
    this.random = random;
    this.brokenPropagationRate = brokenPropagationRate;
    this.brokenHops = recordBrokenHops ? new ArrayList<>() : null;
  }

  /** Starts a new trace that must raise {@code plannedFailure} (null for a healthy trace). */
  void begin(Failure plannedFailure) {
    drafts.clear();
    this.plannedFailure = plannedFailure;
    this.failureRaised = false;
  }

  /**
   * Whether {@code failure} is this trace's planned failure and has not been raised yet; a caller
   * that gets true raises it right there with {@link #fail}.
   */
  boolean failureDue(Failure failure) {
    return failure == plannedFailure && !failureRaised;
  }

  /** The entry SERVER span of a new trace, on a pod of {@code service}. */
  SpanDraft root(Service service, String name, Latency selfTime) {
    SpanDraft root = new SpanDraft(null, service.pickPod(random), service.scope(ScopeRole.SERVER),
        name, SpanKind.SPAN_KIND_SERVER, random.traceId(), random.spanId(), ByteString.EMPTY, false);
    drafts.add(root);
    spendServerTime(root, selfTime);
    return root;
  }

  /** Work inside the parent's process, with code.* and thread.* attributes. */
  SpanDraft internal(SpanDraft parent, CodeLocation code, Latency selfTime) {
    SpanDraft span = child(parent, parent.pod, parent.pod.service().scope(ScopeRole.MANUAL),
        code.spanName(), SpanKind.SPAN_KIND_INTERNAL);
    span.attr(code.functionKv()).attr(code.fileKv()).attr(code.lineKv())
        .attr(THREAD_ID, (long) (1 + random.nextInt(32))).attr(code.threadNameKv());
    spend(span, selfTime.sampleNanos(random) * span.pod.latencyFactor());
    return span;
  }

  /** A gRPC call; returns the callee's SERVER span (its CLIENT span is {@code hopClient}). */
  SpanDraft callRpc(SpanDraft caller, RpcMethod method, Latency serverSelfTime) {
    Service callee = method.service();
    SpanDraft server = hop(caller, ScopeRole.RPC_CLIENT, method.spanName(), callee,
        method.spanName(), serverSelfTime);
    SpanDraft client = server.hopClient;
    client.grpcStatusCode = 0;
    client.attr(AttributePools.RPC_SYSTEM_GRPC).attr(callee.rpcServiceKv).attr(method.methodKv())
        .attr(callee.serverAddressKv).attr(callee.serverPortKv).attr(callee.peerServiceKv)
        .attr(server.pod.peerAddressKv()).attr(callee.peerPortKv)
        .attr(AttributePools.TRANSPORT_TCP).attr(AttributePools.TYPE_IPV4);
    server.grpcStatusCode = 0;
    server.attr(AttributePools.RPC_SYSTEM_GRPC).attr(callee.rpcServiceKv).attr(method.methodKv())
        .attr(callee.serverAddressKv).attr(callee.serverPortKv)
        .attr(caller.pod.clientAddressKv()).attr(caller.pod.peerAddressKv())
        .attr(NETWORK_PEER_PORT, AttributePools.ephemeralPort(random))
        .attr(AttributePools.TRANSPORT_TCP).attr(AttributePools.TYPE_IPV4)
        .attr(AttributePools.PROTOCOL_HTTP).attr(AttributePools.HTTP_VERSION_2);
    return server;
  }

  /**
   * An HTTP call; returns the callee's SERVER span. {@code query} becomes part of {@code url.full}
   * on the client and {@code url.query} on the server.
   */
  SpanDraft callHttp(SpanDraft caller, HttpEndpoint endpoint, String query, long requestBodyBytes,
      Latency serverSelfTime) {
    Service callee = endpoint.service();
    SpanDraft server = hop(caller, ScopeRole.HTTP_CLIENT, endpoint.clientSpanName(), callee,
        endpoint.serverSpanName(), serverSelfTime);
    SpanDraft client = server.hopClient;
    KeyValue userAgent = caller.pod.service().httpClientUserAgentKv;
    long responseBytes = AttributePools.bodySize(random, endpoint.typicalResponseBytes());
    client.httpStatusCode = 200;
    client.attr(endpoint.methodKv()).attr(URL_FULL, endpoint.urlBase() + "?" + query)
        .attr(callee.serverAddressKv).attr(callee.serverPortKv).attr(callee.peerServiceKv)
        .attr(server.pod.peerAddressKv()).attr(callee.peerPortKv)
        .attr(AttributePools.HTTP_VERSION_1_1).attrIfPresent(userAgent)
        .attr(HTTP_REQUEST_BODY_SIZE, requestBodyBytes).attr(HTTP_RESPONSE_BODY_SIZE, responseBytes);
    server.httpStatusCode = 200;
    server.attr(endpoint.methodKv()).attr(endpoint.routeKv()).attr(endpoint.pathKv())
        .attr(AttributePools.SCHEME_HTTP).attr(URL_QUERY, query)
        .attr(callee.serverAddressKv).attr(callee.serverPortKv)
        .attr(caller.pod.clientAddressKv()).attr(caller.pod.peerAddressKv())
        .attr(NETWORK_PEER_PORT, AttributePools.ephemeralPort(random))
        .attr(AttributePools.HTTP_VERSION_1_1).attrIfPresent(userAgent)
        .attr(HTTP_REQUEST_BODY_SIZE, requestBodyBytes).attr(HTTP_RESPONSE_BODY_SIZE, responseBytes);
    return server;
  }

  /** A SQL statement sent by the caller's process. */
  SpanDraft query(SpanDraft caller, Backend database, SqlStatement statement, long returnedRows,
      Latency latency) {
    SpanDraft span = child(caller, caller.pod, caller.pod.service().scope(ScopeRole.DATABASE),
        statement.spanName(), SpanKind.SPAN_KIND_CLIENT);
    span.attr(database.systemNameKv()).attr(database.legacySystemKv())
        .attr(statement.namespaceKv()).attr(statement.legacyNameKv())
        .attr(statement.textKv()).attr(statement.legacyStatementKv())
        .attr(statement.operationKv()).attr(statement.collectionKv()).attr(statement.userKv())
        .attr(database.serverAddressKv()).attr(database.serverPortKv())
        .attr(database.peerAddressKv()).attr(database.peerPortKv())
        .attr(DB_RESPONSE_RETURNED_ROWS, returnedRows);
    span.preNanos = latency.sampleNanos(random);
    return span;
  }

  /** A Redis command sent by the caller's process; reads report {@code app.cache.hit}. */
  SpanDraft cacheCommand(SpanDraft caller, Backend cache, CacheCommand command, boolean hit,
      Latency latency) {
    SpanDraft span = child(caller, caller.pod, caller.pod.service().scope(ScopeRole.CACHE),
        command.spanName(), SpanKind.SPAN_KIND_CLIENT);
    span.attr(cache.systemNameKv()).attr(cache.legacySystemKv())
        .attr(command.operationKv()).attr(command.textKv()).attr(command.legacyStatementKv())
        .attr(REDIS_DATABASE).attr(REDIS_DATABASE_INDEX).attr(REDIS_FLAGS)
        .attr(cache.serverAddressKv()).attr(cache.serverPortKv())
        .attr(cache.peerAddressKv()).attr(cache.peerPortKv());
    if (command.isRead()) {
      span.attr(hit ? AttributePools.CACHE_HIT : AttributePools.CACHE_MISS);
    }
    span.preNanos = latency.sampleNanos(random);
    return span;
  }

  /** A Kafka send (PRODUCER span) from the caller's process. */
  PublishedMessage publish(SpanDraft caller, Backend broker, MessageTopic topic, String messageKey,
      long bodyBytes, Latency latency) {
    SpanDraft span = child(caller, caller.pod, caller.pod.service().scope(ScopeRole.MESSAGING),
        topic.sendSpanName(), SpanKind.SPAN_KIND_PRODUCER);
    int partition = random.nextInt(topic.partitions());
    PublishedMessage message = new PublishedMessage(span, topic, broker,
        kv(MESSAGING_DESTINATION_PARTITION_ID, Integer.toString(partition)),
        nextKafkaOffset[partition % nextKafkaOffset.length]++,
        kv(MESSAGING_KAFKA_MESSAGE_KEY, messageKey), kv(MESSAGING_MESSAGE_BODY_SIZE, bodyBytes));
    span.attr(broker.systemNameKv()).attr(topic.destinationKv()).attr(SEND).attr(SEND_NAME)
        .attr(MESSAGING_CLIENT_ID, caller.pod.name()).attr(message.partitionKv())
        .attr(message.bodySizeKv()).attr(message.keyKv())
        .attr(broker.serverAddressKv()).attr(broker.serverPortKv())
        .attr(broker.peerAddressKv()).attr(broker.peerPortKv());
    span.preNanos = latency.sampleNanos(random);
    return message;
  }

  /**
   * A consumer processing {@code message}: a CONSUMER span in {@code consumer}'s process, child of
   * the PRODUCER span (context travels in the message headers) and starting after it ends.
   */
  SpanDraft consume(PublishedMessage message, Service consumer, KeyValue consumerGroupKv,
      Latency selfTime) {
    SpanDraft producer = message.producer();
    SpanDraft span = new SpanDraft(producer, consumer.pickPod(random),
        consumer.scope(ScopeRole.MESSAGING), message.topic().processSpanName(),
        SpanKind.SPAN_KIND_CONSUMER, producer.traceId, random.spanId(), producer.spanId, true);
    register(producer, span);
    span.async = true;
    span.delayNanos = QUEUE_LAG.sampleNanos(random);
    Backend broker = message.broker();
    span.attr(broker.systemNameKv()).attr(message.topic().destinationKv()).attr(PROCESS)
        .attr(PROCESS_NAME).attr(consumerGroupKv).attr(message.partitionKv())
        .attr(MESSAGING_KAFKA_OFFSET, message.offset()).attr(message.bodySizeKv())
        .attr(message.keyKv()).attr(MESSAGING_CLIENT_ID, span.pod.name())
        .attr(broker.serverAddressKv()).attr(broker.serverPortKv());
    spendServerTime(span, selfTime);
    return span;
  }

  /**
   * Raises {@code failure} at {@code origin}: the origin gets status ERROR and an {@code exception}
   * event, and every ancestor gets status ERROR (HTTP spans 500, gRPC spans the failure's code) up
   * to the root, or up to and including the first span that {@code containsErrors}, or the
   * consumer span of an asynchronous message, whose producer never hears of the failure.
   */
  void fail(SpanDraft origin, Failure failure) {
    if (failure == plannedFailure) {
      failureRaised = true;
    }
    origin.recordException(failure);
    if (failure.timeoutNanos > 0) {
      origin.preNanos = Math.max(origin.preNanos, failure.timeoutNanos);
    }
    SpanDraft span = origin;
    while (!span.containsErrors && !span.async && span.parent != null) {
      span = span.parent;
      span.markError(failure);
    }
  }

  /** Lays the trace out from {@code startUnixNano} and hands every span to {@code out}. */
  void finish(long startUnixNano, RequestAssembler out) {
    if (plannedFailure != null && !failureRaised) {
      throw new IllegalStateException("planned failure " + plannedFailure + " was never raised by "
          + drafts.get(0).name);
    }
    TraceTimeline.place(drafts.get(0), startUnixNano);
    for (SpanDraft draft : drafts) {
      out.add(draft.pod, draft.scope, draft.toProto());
    }
    spansBuilt += drafts.size();
  }

  long spansBuilt() {
    return spansBuilt;
  }

  long orphanedSubtrees() {
    return orphanedSubtrees;
  }

  List<Workload.BrokenHop> brokenHops() {
    if (brokenHops == null) {
      throw new IllegalStateException("broken hops are recorded only when the builder asks for it");
    }
    return List.copyOf(brokenHops);
  }

  private SpanDraft hop(SpanDraft caller, ScopeRole clientRole, String clientName, Service callee,
      String serverName, Latency serverSelfTime) {
    SpanDraft client = child(caller, caller.pod, caller.pod.service().scope(clientRole), clientName,
        SpanKind.SPAN_KIND_CLIENT);
    client.preNanos = NETWORK_ONE_WAY.sampleNanos(random);
    client.postNanos = NETWORK_ONE_WAY.sampleNanos(random);
    Pod calleePod = callee.pickPod(random);
    boolean propagationBroken = random.chance(brokenPropagationRate);
    SpanDraft server;
    if (propagationBroken) {
      // The callee saw no traceparent header: it starts a trace of its own.
      orphanedSubtrees++;
      server = new SpanDraft(client, calleePod, callee.scope(ScopeRole.SERVER), serverName,
          SpanKind.SPAN_KIND_SERVER, random.traceId(), random.spanId(), ByteString.EMPTY, false);
      if (brokenHops != null) {
        brokenHops.add(new Workload.BrokenHop(hex(client.traceId), hex(client.spanId),
            client.pod.service().name(), callee.name(), hex(server.traceId)));
      }
    } else {
      server = new SpanDraft(client, calleePod, callee.scope(ScopeRole.SERVER), serverName,
          SpanKind.SPAN_KIND_SERVER, client.traceId, random.spanId(), client.spanId, true);
    }
    register(client, server);
    server.hopClient = client;
    spendServerTime(server, serverSelfTime);
    return server;
  }

  private static String hex(ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }

  private SpanDraft child(SpanDraft parent, Pod pod, Scope scope, String name, SpanKind kind) {
    SpanDraft span = new SpanDraft(parent, pod, scope, name, kind, parent.traceId, random.spanId(),
        parent.spanId, false);
    register(parent, span);
    return span;
  }

  private void register(SpanDraft parent, SpanDraft span) {
    parent.children.add(span);
    drafts.add(span);
    span.delayNanos = random.nextLong(MAX_SIBLING_GAP_NANOS);
  }

  private void spendServerTime(SpanDraft span, Latency selfTime) {
    double nanos = selfTime.sampleNanos(random) * span.pod.latencyFactor();
    if (random.chance(STALL_PROBABILITY)) {
      nanos += STALL.sampleNanos(random);
    }
    spend(span, nanos);
  }

  /** Splits a span's own time between before and after its children. */
  private void spend(SpanDraft span, double selfNanos) {
    long total = (long) selfNanos;
    long before = (long) (total * (0.2 + 0.6 * random.nextDouble()));
    span.preNanos = before;
    span.postNanos = total - before;
  }
}
