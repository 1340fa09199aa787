package io.contrail.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadDeterminismTest {

  private static final long START = 1_760_000_000_000_000_000L;

  @Test
  void sameSeedAndSettingsGiveByteIdenticalRequests() {
    Workload first = Workload.builder().seed(7).startTimeUnixNano(START).tracesPerSecond(200).build();
    Workload second = Workload.builder().seed(7).startTimeUnixNano(START).tracesPerSecond(200).build();

    for (int traceCount : new int[] {1, 10, 100, 37, 0, 250}) {
      ExportTraceServiceRequest fromFirst = first.nextRequest(traceCount);
      ExportTraceServiceRequest fromSecond = second.nextRequest(traceCount);
      assertThat(fromFirst).isEqualTo(fromSecond);
      assertThat(fromFirst.toByteArray()).isEqualTo(fromSecond.toByteArray());
    }
    assertThat(first.spansGenerated()).isEqualTo(second.spansGenerated());
  }

  @Test
  void defaultsAreTheNamedConstants() {
    ExportTraceServiceRequest withDefaults = Workload.builder().build().nextRequest(20);
    ExportTraceServiceRequest spelledOut = Workload.builder()
        .seed(Workload.DEFAULT_SEED)
        .startTimeUnixNano(Workload.DEFAULT_START_TIME_UNIX_NANO)
        .tracesPerSecond(Workload.DEFAULT_TRACES_PER_SECOND)
        .errorTraceRate(Workload.DEFAULT_ERROR_TRACE_RATE)
        .brokenPropagationRate(Workload.DEFAULT_BROKEN_PROPAGATION_RATE)
        .build()
        .nextRequest(20);

    assertThat(withDefaults).isEqualTo(spelledOut);
  }

  @Test
  void differentSeedsGiveDifferentTraffic() {
    ExportTraceServiceRequest one = Workload.builder().seed(1).build().nextRequest(50);
    ExportTraceServiceRequest two = Workload.builder().seed(2).build().nextRequest(50);

    assertThat(one).isNotEqualTo(two);
    Set<ByteString> traceIdsOfOne = traceIds(one);
    traceIdsOfOne.retainAll(traceIds(two));
    assertThat(traceIdsOfOne).isEmpty();
  }

  @Test
  void countersMatchWhatWasReturned() {
    Workload workload = Workload.builder().seed(3).build();
    List<ExportTraceServiceRequest> requests = new ArrayList<>();
    requests.add(workload.nextRequest(300));
    requests.add(workload.nextRequest(200));

    CollectedTraces collected = CollectedTraces.of(requests);
    assertThat(workload.tracesGenerated()).isEqualTo(500);
    assertThat(workload.spansGenerated()).isEqualTo(collected.spans().size());
    assertThat(collected.frontendTraces()).hasSize(500);
    assertThat(collected.traces())
        .hasSize((int) (workload.tracesGenerated() + workload.orphanedSubtreesGenerated()));
  }

  @Test
  void traceStartsFollowTheConfiguredRate() {
    double tracesPerSecond = 10;
    long intervalNanos = 100_000_000L;
    Workload workload =
        Workload.builder().startTimeUnixNano(START).tracesPerSecond(tracesPerSecond).build();

    List<Long> rootStarts = CollectedTraces.of(List.of(workload.nextRequest(200))).frontendTraces()
        .stream()
        .map(trace -> trace.root().span().getStartTimeUnixNano())
        .sorted()
        .toList();

    for (int i = 0; i < rootStarts.size(); i++) {
      assertThat(rootStarts.get(i)).isBetween(START + i * intervalNanos, START + (i + 1) * intervalNanos - 1);
    }
    assertThat(workload.nextTraceStartUnixNano()).isEqualTo(START + 200 * intervalNanos);
  }

  @Test
  void anEmptyRequestIsAllowed() {
    Workload workload = Workload.builder().build();

    assertThat(workload.nextRequest(0).getResourceSpansCount()).isZero();
    assertThat(workload.spansGenerated()).isZero();
  }

  @Test
  void nonsensicalSettingsAreRejected() {
    assertThatThrownBy(() -> Workload.builder().tracesPerSecond(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().tracesPerSecond(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().errorTraceRate(-0.1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().brokenPropagationRate(1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().startTimeUnixNano(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Workload.builder().build().nextRequest(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Set<ByteString> traceIds(ExportTraceServiceRequest request) {
    Set<ByteString> ids = new HashSet<>();
    request.getResourceSpansList().forEach(resourceSpans -> resourceSpans.getScopeSpansList()
        .forEach(scopeSpans -> scopeSpans.getSpansList().forEach(span -> ids.add(span.getTraceId()))));
    return ids;
  }
}
