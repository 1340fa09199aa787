package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;
import static io.contrail.workload.ScopeRole.*;

import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment the workload simulates: the thirteen services of the OpenTelemetry demo shop,
 * each with its language, SDK, instrumentation scopes and pods, plus the backends they use
 * (PostgreSQL, a Redis cart store, Kafka).
 *
 * <p>The deployment does not depend on the workload seed: pod names, instance ids and addresses
 * come from a fixed seed, so two workloads with different seeds describe the same cluster with
 * different traffic. cart, currency and recommendation run two versions side by side; currency's
 * canary ({@value #CANARY_VERSION}) is {@value #CURRENCY_CANARY_LATENCY_FACTOR}x slower.
 */
final class ServiceTopology {

  /** Upper bound on the distinct scopes of one service; sizes the per-request span buckets. */
  static final int MAX_SCOPES_PER_SERVICE = 8;
  static final String K8S_NAMESPACE = "otel-demo";
  static final String ENVIRONMENT = "production";
  static final String STABLE_VERSION = "2.0.2";
  static final String CANARY_VERSION = "2.1.0";
  static final double CURRENCY_CANARY_LATENCY_FACTOR = 1.8;

  private static final long DEPLOYMENT_SEED = 0x5EED_C0DEL;
  private static final String[] NODES = {
    "gke-contrail-demo-default-pool-7f3a9c21-4xkq",
    "gke-contrail-demo-default-pool-7f3a9c21-9bzt",
    "gke-contrail-demo-default-pool-7f3a9c21-h2mw",
    "gke-contrail-demo-default-pool-7f3a9c21-qv8d",
  };
  private static final char[] K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789".toCharArray();

  final Service frontend;
  final Service cart;
  final Service checkout;
  final Service payment;
  final Service currency;
  final Service shipping;
  final Service email;
  final Service recommendation;
  final Service ad;
  final Service productCatalog;
  final Service quote;
  final Service fraudDetection;
  final Service accounting;

  final Backend postgres = Backend.database("postgresql", "postgresql", 5432, "10.96.14.52");
  final Backend cartStore = Backend.database("redis", "valkey-cart", 6379, "10.96.3.118");
  final Backend kafka = Backend.broker("kafka", "kafka", 9092, "10.96.8.7");

  private final List<Pod> pods = new ArrayList<>();
  private final SeededRandom names = new SeededRandom(DEPLOYMENT_SEED);
  private final Map<String, String> replicaSetHashes = new HashMap<>();

  ServiceTopology() {
    String otelgrpc = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc";
    String otelhttp = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp";
    frontend = service("frontend", "nodejs", "1.30.1", 8080, null, "undici", new ScopeTable()
        .add("@opentelemetry/instrumentation-http", "0.57.2", SERVER)
        .add("@opentelemetry/instrumentation-grpc", "0.57.2", RPC_CLIENT)
        .add("@opentelemetry/instrumentation-undici", "0.10.1", HTTP_CLIENT)
        .add("next.js", "0.0.1", MANUAL));
    cart = service("cart", "dotnet", "1.12.0", 7070, "oteldemo.CartService", null, new ScopeTable()
        .add("Microsoft.AspNetCore", "9.0.0", SERVER)
        .add("OpenTelemetry.Instrumentation.StackExchangeRedis", "1.11.0-beta.2", CACHE));
    checkout = service("checkout", "go", "1.35.0", 5050, "oteldemo.CheckoutService",
        "Go-http-client/1.1", new ScopeTable()
        .add(otelgrpc, "0.60.0", SERVER, RPC_CLIENT)
        .add(otelhttp, "0.60.0", HTTP_CLIENT)
        .add("go.opentelemetry.io/contrib/instrumentation/github.com/IBM/sarama/otelsarama",
            "0.43.0", MESSAGING)
        .add("checkout", "1.0.0", MANUAL));
    payment = service("payment", "nodejs", "1.30.1", 50051, "oteldemo.PaymentService", null,
        new ScopeTable()
        .add("@opentelemetry/instrumentation-grpc", "0.57.2", SERVER)
        .add("payment", "1.0.0", MANUAL));
    currency = service("currency", "cpp", "1.20.0", 7001, "oteldemo.CurrencyService", null,
        new ScopeTable().add("currency", "1.0.0", SERVER));
    shipping = service("shipping", "rust", "0.29.0", 50050, null, "reqwest/0.12.12", new ScopeTable()
        .add("actix-web-opentelemetry", "0.22.0", SERVER)
        .add("reqwest-tracing", "0.5.5", HTTP_CLIENT));
    email = service("email", "ruby", "1.8.0", 6060, null, null, new ScopeTable()
        .add("OpenTelemetry::Instrumentation::Sinatra", "0.25.0", SERVER)
        .add("email", "1.0.0", MANUAL));
    recommendation = service("recommendation", "python", "1.33.1", 9001,
        "oteldemo.RecommendationService", null, new ScopeTable()
        .add("opentelemetry.instrumentation.grpc", "0.54b1", SERVER, RPC_CLIENT)
        .add("recommendation", "1.0.0", MANUAL));
    ad = service("ad", "java", "1.49.0", 9555, "oteldemo.AdService", null, new ScopeTable()
        .add("io.opentelemetry.grpc-1.6", "2.15.0-alpha", SERVER)
        .add("ad", "1.0.0", MANUAL));
    productCatalog = service("product-catalog", "go", "1.35.0", 3550,
        "oteldemo.ProductCatalogService", null, new ScopeTable()
        .add(otelgrpc, "0.60.0", SERVER)
        .add("github.com/XSAM/otelsql", "0.38.0", DATABASE));
    quote = service("quote", "php", "1.1.2", 8090, null, null, new ScopeTable()
        .add("io.opentelemetry.contrib.php.slim", "1.0.4", SERVER)
        .add("quote", "1.0.0", MANUAL));
    fraudDetection = service("fraud-detection", "java", "1.49.0", 0, null, null, new ScopeTable()
        .add("io.opentelemetry.kafka-clients-0.11", "2.15.0-alpha", MESSAGING)
        .add("fraud-detection", "1.0.0", MANUAL));
    accounting = service("accounting", "dotnet", "1.12.0", 0, null, null, new ScopeTable()
        .add("Confluent.Kafka.Extensions.Diagnostics", "0.4.0", MESSAGING)
        .add("Npgsql", "9.0.3", DATABASE));

    deploy(frontend, 3, STABLE_VERSION, 1.0);
    deploy(cart, 2, STABLE_VERSION, 1.0);
    deploy(cart, 1, CANARY_VERSION, 1.0);
    deploy(checkout, 2, STABLE_VERSION, 1.0);
    deploy(payment, 2, STABLE_VERSION, 1.0);
    deploy(currency, 2, STABLE_VERSION, 1.0);
    deploy(currency, 1, CANARY_VERSION, CURRENCY_CANARY_LATENCY_FACTOR);
    deploy(shipping, 1, STABLE_VERSION, 1.0);
    deploy(email, 1, STABLE_VERSION, 1.0);
    deploy(recommendation, 1, STABLE_VERSION, 1.0);
    deploy(recommendation, 1, "2.0.3", 1.0);
    deploy(ad, 2, STABLE_VERSION, 1.0);
    deploy(productCatalog, 2, STABLE_VERSION, 1.0);
    deploy(quote, 1, STABLE_VERSION, 1.0);
    deploy(fraudDetection, 1, STABLE_VERSION, 1.0);
    deploy(accounting, 1, STABLE_VERSION, 1.0);
  }

  /** Every pod, in index order. */
  List<Pod> pods() {
    return pods;
  }

  private Service service(String name, String language, String sdkVersion, int port,
      String rpcService, String httpClientUserAgent, ScopeTable scopes) {
    if (scopes.nextSlot > MAX_SCOPES_PER_SERVICE) {
      throw new IllegalStateException(name + " has more than " + MAX_SCOPES_PER_SERVICE + " scopes");
    }
    Service service = new Service(name, language, sdkVersion, port, rpcService,
        httpClientUserAgent, scopes.byRole);
    return service;
  }

  private void deploy(Service service, int replicas, String version, double latencyFactor) {
    String replicaSet = replicaSetHashes.computeIfAbsent(
        service.name() + "@" + version, key -> k8sName(10));
    for (int replica = 0; replica < replicas; replica++) {
      int index = pods.size();
      String podName = service.name() + "-" + replicaSet + "-" + k8sName(5);
      String node = NODES[index % NODES.length];
      String ip = "10.244." + (index % NODES.length) + "." + (11 + index);
      Resource resource = Resource.newBuilder()
          .addAttributes(kv(SERVICE_NAME, service.name()))
          .addAttributes(kv(SERVICE_NAMESPACE, "opentelemetry-demo"))
          .addAttributes(kv(SERVICE_VERSION, version))
          .addAttributes(kv(SERVICE_INSTANCE_ID, names.uuid()))
          .addAttributes(kv(HOST_NAME, node))
          .addAttributes(kv(HOST_ARCH, "amd64"))
          .addAttributes(kv(OS_TYPE, "linux"))
          .addAttributes(kv(K8S_CLUSTER_NAME, "contrail-demo"))
          .addAttributes(kv(K8S_NAMESPACE_NAME, K8S_NAMESPACE))
          .addAttributes(kv(K8S_DEPLOYMENT_NAME, service.name()))
          .addAttributes(kv(K8S_POD_NAME, podName))
          .addAttributes(kv(K8S_NODE_NAME, node))
          .addAttributes(kv(DEPLOYMENT_ENVIRONMENT_NAME, ENVIRONMENT))
          .addAttributes(kv(TELEMETRY_SDK_LANGUAGE, service.language()))
          .addAttributes(kv(TELEMETRY_SDK_NAME, "opentelemetry"))
          .addAttributes(kv(TELEMETRY_SDK_VERSION, service.sdkVersion()))
          .build();
      Pod pod = new Pod(index, service, version, podName, resource,
          kv(NETWORK_PEER_ADDRESS, ip), kv(CLIENT_ADDRESS, ip), latencyFactor);
      pods.add(pod);
      service.addPod(pod);
    }
  }

  private String k8sName(int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = K8S_ALPHABET[names.nextInt(K8S_ALPHABET.length)];
    }
    return new String(chars);
  }

  /** Collects a service's scopes, giving each distinct library the next slot. */
  private static final class ScopeTable {
    private final Map<ScopeRole, Scope> byRole = new EnumMap<>(ScopeRole.class);
    private int nextSlot;

    ScopeTable add(String name, String version, ScopeRole... roles) {
      Scope scope = Scope.of(nextSlot++, name, version);
      for (ScopeRole role : roles) {
        byRole.put(role, scope);
      }
      return this;
    }
  }
}
