package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One service of the demo shop: its name and language, the port it serves on, its instrumentation
 * scopes and its pods. Built once by {@link ServiceTopology}; immutable after that.
 */
final class Service {

  private final String name;
  private final String language;
  private final String sdkVersion;
  private final int port;
  private final String rpcService;
  private final Map<ScopeRole, Scope> scopes;
  private final List<Scope> scopesBySlot;
  private final List<Pod> pods = new ArrayList<>();

  final KeyValue serverAddressKv;
  final KeyValue serverPortKv;
  final KeyValue peerPortKv;
  final KeyValue peerServiceKv;
  final KeyValue rpcServiceKv;
  /** What this service's HTTP client library sends as User-Agent. */
  final KeyValue httpClientUserAgentKv;

  Service(String name, String language, String sdkVersion, int port, String rpcService,
      String httpClientUserAgent, Map<ScopeRole, Scope> scopes) {
    this.name = name;
    this.language = language;
    this.sdkVersion = sdkVersion;
    this.port = port;
    this.rpcService = rpcService;
    this.scopes = new EnumMap<>(scopes);
    List<Scope> bySlot = new ArrayList<>();
    for (Scope scope : scopes.values()) {
      if (!bySlot.contains(scope)) {
        bySlot.add(scope);
      }
    }
    bySlot.sort((a, b) -> Integer.compare(a.slot(), b.slot()));
    this.scopesBySlot = List.copyOf(bySlot);
    this.serverAddressKv = kv(SERVER_ADDRESS, name);
    this.serverPortKv = kv(SERVER_PORT, (long) port);
    this.peerPortKv = kv(NETWORK_PEER_PORT, (long) port);
    this.peerServiceKv = kv(PEER_SERVICE, name);
    this.rpcServiceKv = rpcService == null ? null : kv(RPC_SERVICE, rpcService);
    this.httpClientUserAgentKv =
        httpClientUserAgent == null ? null : kv(USER_AGENT_ORIGINAL, httpClientUserAgent);
  }

  String name() {
    return name;
  }

  String language() {
    return language;
  }

  String sdkVersion() {
    return sdkVersion;
  }

  int port() {
    return port;
  }

  /** The fully qualified gRPC service, e.g. {@code oteldemo.CartService}; null if not gRPC. */
  String rpcService() {
    return rpcService;
  }

  Scope scope(ScopeRole role) {
    Scope scope = scopes.get(role);
    if (scope == null) {
      throw new IllegalStateException(name + " has no " + role + " instrumentation");
    }
    return scope;
  }

  /** The distinct scopes, indexed by slot. */
  List<Scope> scopes() {
    return scopesBySlot;
  }

  void addPod(Pod pod) {
    pods.add(pod);
  }

  /** A pod for the next request, as a round-robin-ish load balancer would pick it. */
  Pod pickPod(SeededRandom random) {
    return pods.get(random.nextInt(pods.size()));
  }

  @Override
  public String toString() {
    return name;
  }
}
