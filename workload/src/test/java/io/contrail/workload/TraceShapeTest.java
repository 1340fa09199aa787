package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.contrail.workload.CollectedTraces.ReportedSpan;
import io.contrail.workload.CollectedTraces.Trace;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shape of 5,000 traces from the default workload. */
class TraceShapeTest {

  private static final List<String> SERVICES = List.of("frontend", "cart", "checkout", "payment",
      "currency", "shipping", "email", "recommendation", "ad", "product-catalog", "quote",
      "fraud-detection", "accounting");

  private static List<ExportTraceServiceRequest> requests;
  private static CollectedTraces collected;

  @BeforeAll
  static void generate() {
    Workload workload = Workload.builder().build();
    requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.add(workload.nextRequest(100));
    }
    collected = CollectedTraces.of(requests);
  }

  @Test
  void everySpanHasValidIdentifiers() {
    Set<ByteString> spanIds = new HashSet<>();
    for (ReportedSpan reported : collected.spans()) {
      Span span = reported.span();
      assertThat(span.getTraceId().size()).isEqualTo(16);
      assertThat(isAllZero(span.getTraceId())).isFalse();
      assertThat(span.getSpanId().size()).isEqualTo(8);
      assertThat(isAllZero(span.getSpanId())).isFalse();
      assertThat(span.getParentSpanId().size()).isIn(0, 8);
      assertThat(spanIds.add(span.getSpanId())).as("span ids are unique").isTrue();
    }
  }

  @Test
  void everySpanEndsNoEarlierThanItStarts() {
    assertThat(collected.spans())
        .allSatisfy(reported -> assertThat(reported.span().getEndTimeUnixNano())
            .isGreaterThanOrEqualTo(reported.span().getStartTimeUnixNano()));
  }

  @Test
  void childrenRunInsideTheirParentsExceptMessageConsumers() {
    for (Trace trace : collected.traces()) {
      for (ReportedSpan child : trace.spans()) {
        trace.parent(child).ifPresent(parent -> {
          Span c = child.span();
          Span p = parent.span();
          if (child.kind() == SpanKind.SPAN_KIND_CONSUMER) {
            assertThat(c.getStartTimeUnixNano()).isGreaterThanOrEqualTo(p.getEndTimeUnixNano());
          } else {
            assertThat(c.getStartTimeUnixNano()).isGreaterThanOrEqualTo(p.getStartTimeUnixNano());
            assertThat(c.getEndTimeUnixNano()).isLessThanOrEqualTo(p.getEndTimeUnixNano());
          }
        });
      }
    }
  }

  @Test
  void everyParentSpanIdNamesASpanOfTheSameTrace() {
    for (Trace trace : collected.traces()) {
      assertThat(trace.spans()).filteredOn(span -> span.span().getParentSpanId().isEmpty()).hasSize(1);
      assertThat(trace.spans())
          .filteredOn(span -> !span.span().getParentSpanId().isEmpty())
          .allSatisfy(span -> assertThat(trace.parent(span)).isPresent());
    }
  }

  @Test
  void tracesHaveFiveToSixtySpansAndThreeToTenLevels() {
    List<Trace> intact = collected.frontendTraces().stream()
        .filter(trace -> trace.brokenHops().isEmpty())
        .toList();
    assertThat(intact).hasSizeGreaterThan(4_500);
    for (Trace trace : intact) {
      assertThat(trace.spans()).hasSizeBetween(5, 60);
      assertThat(trace.depth()).isBetween(3, 10);
    }
    for (Trace trace : collected.traces()) {
      assertThat(trace.spans()).hasSizeLessThanOrEqualTo(60);
      assertThat(trace.depth()).isLessThanOrEqualTo(10);
    }
    assertThat(intact.stream().mapToInt(Trace::depth).max().orElseThrow()).isEqualTo(10);
    assertThat(intact.stream().mapToInt(Trace::depth).min().orElseThrow()).isEqualTo(3);
    assertThat(intact.stream().mapToInt(trace -> trace.spans().size()).max().orElseThrow())
        .isGreaterThan(45);
  }

  @Test
  void everyTraceEntersThroughAFrontendServerSpan() {
    assertThat(collected.frontendTraces()).hasSize(5_000);
    assertThat(collected.frontendTraces()).allSatisfy(trace -> {
      assertThat(trace.root().kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
      assertThat(trace.root().has(HTTP_ROUTE)).isTrue();
    });
  }

  @Test
  void serverSpansBelowTheRootAreCalledThroughAClientSpanOfAnotherService() {
    for (Trace trace : collected.traces()) {
      for (ReportedSpan span : trace.spans()) {
        if (span.kind() != SpanKind.SPAN_KIND_SERVER || span.span().getParentSpanId().isEmpty()) {
          continue;
        }
        ReportedSpan client = trace.parent(span).orElseThrow();
        assertThat(client.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
        assertThat(client.service()).isNotEqualTo(span.service());
        assertThat(client.attribute(SERVER_ADDRESS).orElseThrow().getStringValue())
            .isEqualTo(span.service());
      }
    }
  }

  @Test
  void serviceHopsDescribeTheCallOnBothSides() {
    for (ReportedSpan span : collected.spans()) {
      if (span.isServiceHop()) {
        assertThat(span.has(SERVER_ADDRESS) && span.has(SERVER_PORT)).isTrue();
        if (span.has(RPC_SYSTEM)) {
          assertThat(List.of(RPC_SERVICE, RPC_METHOD, RPC_GRPC_STATUS_CODE, PEER_SERVICE))
              .allMatch(span::has);
        } else {
          assertThat(List.of(HTTP_REQUEST_METHOD, URL_FULL, HTTP_RESPONSE_STATUS_CODE, PEER_SERVICE))
              .allMatch(span::has);
        }
      }
      if (span.kind() == SpanKind.SPAN_KIND_SERVER && !span.has(RPC_SYSTEM)) {
        assertThat(List.of(HTTP_ROUTE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, URL_PATH,
            USER_AGENT_ORIGINAL, CLIENT_ADDRESS)).allMatch(span::has);
      }
    }
  }

  @Test
  void spansCarryTenToTwentyFiveAttributes() {
    assertThat(collected.spans())
        .allSatisfy(span -> assertThat(span.span().getAttributesCount()).isBetween(10, 25));
  }

  @Test
  void databaseCacheAndQueueCallsFollowTheirConventions() {
    List<ReportedSpan> postgres = withAttribute(DB_SYSTEM_NAME, "postgresql");
    assertThat(postgres).isNotEmpty().allSatisfy(span -> {
      assertThat(span.kind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
      assertThat(List.of(DB_SYSTEM, DB_QUERY_TEXT, DB_STATEMENT, DB_OPERATION_NAME)).allMatch(span::has);
    });
    assertThat(withAttribute(DB_SYSTEM_NAME, "redis")).isNotEmpty()
        .allSatisfy(span -> assertThat(span.service()).isEqualTo("cart"));
    List<ReportedSpan> kafka = withAttribute(MESSAGING_SYSTEM, "kafka");
    assertThat(kafka).extracting(ReportedSpan::kind)
        .containsOnly(SpanKind.SPAN_KIND_PRODUCER, SpanKind.SPAN_KIND_CONSUMER)
        .contains(SpanKind.SPAN_KIND_PRODUCER, SpanKind.SPAN_KIND_CONSUMER);
    assertThat(kafka).allSatisfy(span -> assertThat(
        span.attribute(MESSAGING_DESTINATION_NAME).orElseThrow().getStringValue()).isEqualTo("orders"));
  }

  @Test
  void attributeValuesMixTypes() {
    Set<AnyValue.ValueCase> types = EnumSet.noneOf(AnyValue.ValueCase.class);
    for (ReportedSpan span : collected.spans()) {
      for (KeyValue attribute : span.span().getAttributesList()) {
        types.add(attribute.getValue().getValueCase());
      }
    }
    assertThat(types).contains(AnyValue.ValueCase.STRING_VALUE, AnyValue.ValueCase.INT_VALUE,
        AnyValue.ValueCase.DOUBLE_VALUE, AnyValue.ValueCase.BOOL_VALUE, AnyValue.ValueCase.ARRAY_VALUE);
    assertThat(valueTypes(HTTP_RESPONSE_STATUS_CODE)).containsOnly(AnyValue.ValueCase.INT_VALUE);
    assertThat(valueTypes(APP_PAYMENT_AMOUNT)).containsOnly(AnyValue.ValueCase.DOUBLE_VALUE);
    assertThat(valueTypes(APP_CACHE_HIT)).containsOnly(AnyValue.ValueCase.BOOL_VALUE);
    assertThat(valueTypes(APP_PRODUCT_IDS)).containsOnly(AnyValue.ValueCase.ARRAY_VALUE);
  }

  @Test
  void attributeCardinalitiesAreRealistic() {
    assertThat(distinctValues(HTTP_ROUTE)).hasSizeBetween(5, 20);
    assertThat(distinctValues(SESSION_ID)).hasSizeGreaterThan(1_000);
    assertThat(distinctValues(USER_ID)).hasSizeGreaterThan(700);
    List<ReportedSpan> orders = collected.spans().stream()
        .filter(span -> span.kind() == SpanKind.SPAN_KIND_PRODUCER)
        .toList();
    Set<String> orderIds = new HashSet<>();
    orders.forEach(span -> orderIds.add(span.attribute(APP_ORDER_ID).orElseThrow().getStringValue()));
    assertThat(orderIds).hasSize(orders.size());
    long urls = collected.spans().stream().filter(span -> span.has(URL_FULL)).count();
    assertThat(distinctValues(URL_FULL)).hasSizeGreaterThan((int) (urls * 0.9));
  }

  @Test
  void allThirteenServicesReport() {
    Set<String> reporting = new HashSet<>();
    collected.spans().forEach(span -> reporting.add(span.service()));
    assertThat(reporting).containsExactlyInAnyOrderElementsOf(SERVICES);
  }

  @Test
  void resourcesIdentifyTheServiceAndItsPod() {
    Map<String, Set<String>> versionsByService = new HashMap<>();
    for (ExportTraceServiceRequest request : requests) {
      Set<String> podsInRequest = new HashSet<>();
      for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
        for (String key : List.of(SERVICE_NAME, SERVICE_VERSION, HOST_NAME, K8S_POD_NAME,
            K8S_NAMESPACE_NAME, DEPLOYMENT_ENVIRONMENT_NAME, TELEMETRY_SDK_LANGUAGE,
            TELEMETRY_SDK_NAME, TELEMETRY_SDK_VERSION)) {
          assertThat(CollectedTraces.resourceAttribute(resourceSpans, key)).isNotEmpty();
        }
        assertThat(podsInRequest.add(CollectedTraces.resourceAttribute(resourceSpans, K8S_POD_NAME)))
            .as("one ResourceSpans per pod").isTrue();
        versionsByService
            .computeIfAbsent(CollectedTraces.resourceAttribute(resourceSpans, SERVICE_NAME), name -> new HashSet<>())
            .add(CollectedTraces.resourceAttribute(resourceSpans, SERVICE_VERSION));
        Set<String> scopesInResource = new HashSet<>();
        for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
          assertThat(scopeSpans.getScope().getName()).isNotEmpty();
          assertThat(scopeSpans.getScope().getVersion()).isNotEmpty();
          assertThat(scopesInResource.add(scopeSpans.getScope().getName()))
              .as("one ScopeSpans per scope").isTrue();
        }
      }
    }
    assertThat(versionsByService.values().stream().filter(versions -> versions.size() == 2).count())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void theDegradedDatabaseLookupIsSlowForAFractionOfCalls() {
    List<Long> lookupMillis = collected.spans().stream()
        .filter(span -> span.service().equals("product-catalog")
            && span.attribute(DB_QUERY_TEXT).map(AnyValue::getStringValue).orElse("").endsWith("WHERE id = $1")
            && !span.isError())
        .map(span -> (span.span().getEndTimeUnixNano() - span.span().getStartTimeUnixNano()) / 1_000_000)
        .toList();
    long slow = lookupMillis.stream().filter(millis -> millis >= 15).count();

    assertThat((double) slow / lookupMillis.size()).isBetween(0.05, 0.12);
  }

  @Test
  void theCurrencyCanaryIsSlowerThanTheStablePods() {
    Map<String, List<Long>> durationsByVersion = new HashMap<>();
    collected.spans().stream()
        .filter(span -> span.service().equals("currency") && span.kind() == SpanKind.SPAN_KIND_SERVER)
        .forEach(span -> durationsByVersion
            .computeIfAbsent(span.serviceVersion(), version -> new ArrayList<>())
            .add(span.span().getEndTimeUnixNano() - span.span().getStartTimeUnixNano()));

    assertThat(median(durationsByVersion.get(ServiceTopology.CANARY_VERSION)))
        .isGreaterThan((long) (1.4 * median(durationsByVersion.get(ServiceTopology.STABLE_VERSION))));
  }

  @Test
  void someConsumersLinkToTheProducerTheyProcess() {
    List<ReportedSpan> consumers = collected.spans().stream()
        .filter(span -> span.kind() == SpanKind.SPAN_KIND_CONSUMER)
        .toList();
    List<ReportedSpan> linked = consumers.stream().filter(span -> span.span().getLinksCount() > 0).toList();

    assertThat((double) linked.size() / consumers.size()).isBetween(0.15, 0.45);
    assertThat(linked).allSatisfy(span -> {
      Span.Link link = span.span().getLinks(0);
      assertThat(link.getSpanId()).isEqualTo(span.span().getParentSpanId());
      assertThat(link.getTraceId()).isEqualTo(span.span().getTraceId());
    });
  }

  @Test
  void successfulOrdersRecordTheirProgressAsEvents() {
    List<ReportedSpan> orders = collected.spans().stream()
        .filter(span -> span.service().equals("checkout") && span.kind() == SpanKind.SPAN_KIND_SERVER
            && !span.isError())
        .toList();

    assertThat(orders).isNotEmpty().allSatisfy(span -> {
      assertThat(span.span().getEventsList()).extracting(Span.Event::getName)
          .containsExactly("prepared", "charged", "shipped");
      assertThat(span.span().getEventsList()).allSatisfy(event -> assertThat(event.getTimeUnixNano())
          .isBetween(span.span().getStartTimeUnixNano(), span.span().getEndTimeUnixNano()));
    });
  }

  private static List<ReportedSpan> withAttribute(String key, String value) {
    return collected.spans().stream()
        .filter(span -> span.attribute(key).map(AnyValue::getStringValue).orElse("").equals(value))
        .toList();
  }

  private static Set<AnyValue.ValueCase> valueTypes(String key) {
    Set<AnyValue.ValueCase> types = EnumSet.noneOf(AnyValue.ValueCase.class);
    collected.spans().forEach(span -> span.attribute(key).ifPresent(value -> types.add(value.getValueCase())));
    return types;
  }

  private static Set<String> distinctValues(String key) {
    Set<String> values = new HashSet<>();
    collected.spans().forEach(span -> span.attribute(key).ifPresent(value -> values.add(value.getStringValue())));
    return values;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static boolean isAllZero(ByteString bytes) {
    for (int i = 0; i < bytes.size(); i++) {
      if (bytes.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
