package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.contrail.workload.CollectedTraces.ReportedSpan;
import io.contrail.workload.CollectedTraces.Trace;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Error traces and broken context propagation, over 5,000 traces of the default workload. */
class FailureInjectionTest {

  private static Workload workload;
  private static CollectedTraces collected;

  @BeforeAll
  static void generate() {
    workload = Workload.builder().seed(11).build();
    collected = generate(workload, 5_000);
  }

  @Test
  void aboutTwoPercentOfTracesFail() {
    long failed = collected.frontendTraces().stream().filter(Trace::hasError).count();

    assertThat(failed / 5_000.0).isBetween(0.014, 0.026);
  }

  @Test
  void eachFailureRecordsOneExceptionEventAtItsOrigin() {
    List<ReportedSpan> origins = spansWithExceptionEvents();
    long failed = collected.frontendTraces().stream().filter(Trace::hasError).count();

    assertThat(origins).hasSize((int) failed);
    assertThat(origins).allSatisfy(origin -> {
      assertThat(origin.isError()).isTrue();
      assertThat(origin.span().getStatus().getMessage()).isNotEmpty();
      Span.Event exception = origin.span().getEventsList().stream()
          .filter(event -> event.getName().equals("exception"))
          .findFirst()
          .orElseThrow();
      assertThat(exception.getAttributesList()).extracting(attribute -> attribute.getKey())
          .containsExactly(EXCEPTION_TYPE, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE);
      assertThat(exception.getAttributesList())
          .allSatisfy(attribute -> assertThat(attribute.getValue().getStringValue()).isNotBlank());
    });
  }

  @Test
  void errorsTravelUpToTheAncestors() {
    for (ReportedSpan origin : spansWithExceptionEvents()) {
      Trace trace = traceOf(origin);
      assertThat(trace.parent(origin)).hasValueSatisfying(parent -> assertThat(parent.isError()).isTrue());
    }
    List<Trace> failed = collected.frontendTraces().stream().filter(Trace::hasError).toList();
    long failedAtTheRoot = failed.stream().filter(trace -> trace.root().isError()).count();
    assertThat((double) failedAtTheRoot / failed.size()).isGreaterThan(0.8);
    assertThat(failed.stream().map(Trace::root).filter(ReportedSpan::isError))
        .allSatisfy(root -> assertThat(root.attribute(HTTP_RESPONSE_STATUS_CODE).orElseThrow().getIntValue())
            .isEqualTo(500));
  }

  @Test
  void failingHttpSpansReportStatus500() {
    assertThat(collected.spans())
        .filteredOn(span -> span.isError() && span.has(HTTP_RESPONSE_STATUS_CODE))
        .isNotEmpty()
        .allSatisfy(span -> assertThat(span.attribute(HTTP_RESPONSE_STATUS_CODE).orElseThrow().getIntValue())
            .isEqualTo(500));
    assertThat(collected.spans())
        .filteredOn(span -> !span.isError() && span.has(HTTP_RESPONSE_STATUS_CODE))
        .allSatisfy(span -> assertThat(span.attribute(HTTP_RESPONSE_STATUS_CODE).orElseThrow().getIntValue())
            .isEqualTo(200));
  }

  @Test
  void aboutOnePercentOfServiceHopsLoseTheirContext() {
    long hops = collected.spans().stream().filter(ReportedSpan::isServiceHop).count();
    long broken = collected.traces().stream().mapToLong(trace -> trace.brokenHops().size()).sum();

    assertThat((double) broken / hops).isBetween(0.007, 0.013);
    assertThat(collected.orphanedTraces()).hasSize((int) broken);
    assertThat(workload.orphanedSubtreesGenerated()).isEqualTo(broken);
  }

  @Test
  void aSubtreeThatLostItsContextStartsANewTraceAtItsServerSpan() {
    assertThat(collected.orphanedTraces()).isNotEmpty().allSatisfy(orphan -> {
      ReportedSpan root = orphan.root();
      assertThat(root.kind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
      assertThat(root.span().getParentSpanId().isEmpty()).isTrue();
      assertThat(root.service()).isNotEqualTo("frontend");
    });
  }

  @Test
  void healthyWorkloadHasNoErrorsAndNoOrphans() {
    Workload healthy = Workload.builder().errorTraceRate(0).brokenPropagationRate(0).build();
    CollectedTraces traces = generate(healthy, 2_000);

    assertThat(traces.spans()).noneMatch(ReportedSpan::isError);
    assertThat(traces.orphanedTraces()).isEmpty();
    assertThat(healthy.orphanedSubtreesGenerated()).isZero();
  }

  @Test
  void everyEntryOperationCanFail() {
    Workload failing = Workload.builder().seed(5).errorTraceRate(1).build();
    CollectedTraces traces = generate(failing, 2_000);

    assertThat(traces.frontendTraces()).hasSize(2_000).allMatch(Trace::hasError);
    assertThat(traces.frontendTraces().stream().map(trace -> trace.root().span().getName()).distinct())
        .hasSize(EntryOperation.values().length);
  }

  private static List<ReportedSpan> spansWithExceptionEvents() {
    return collected.spans().stream()
        .filter(span -> span.span().getEventsList().stream()
            .anyMatch(event -> event.getName().equals("exception")))
        .toList();
  }

  private static Trace traceOf(ReportedSpan span) {
    return collected.traces().stream()
        .filter(trace -> trace.traceId().equals(span.span().getTraceId()))
        .findFirst()
        .orElseThrow();
  }

  private static CollectedTraces generate(Workload workload, int traceCount) {
    List<ExportTraceServiceRequest> requests = new ArrayList<>();
    for (int generated = 0; generated < traceCount; generated += 100) {
      requests.add(workload.nextRequest(100));
    }
    return CollectedTraces.of(requests);
  }
}
