package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bytes of request bodies being received at once are bounded, whatever the number of clients:
 * while clients that sent much and then stalled hold the whole budget, other requests are refused
 * with 503 and Retry-After (nothing stored, retry later) instead of growing the heap; once the stalled
 * ones are answered 408 the budget is free again.
 */
class IngestBodyBudgetTest {

    private static final int MAX_BYTES_IN_FLIGHT = 4 * IngestBodies.CHUNK_BYTES;
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(6);
    /** Two such bodies, sent in part, hold the whole budget. */
    private static final int STALLED_BODY_BYTES = 2 * IngestBodies.CHUNK_BYTES;

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> config.withMaxBodyBytes(3L * IngestBodies.CHUNK_BYTES)
            .withBodies(new ServerConfig.IngestBodyLimits(BODY_TIMEOUT, MAX_BYTES_IN_FLIGHT)));

    private SlowClient first;
    private SlowClient second;

    @AfterEach
    void closeClients() throws Exception {
        for (SlowClient client : new SlowClient[] {first, second}) {
            if (client != null) {
                client.socket().close();
            }
        }
    }

    @Test
    void bodiesBeingReceivedHoldAtMostTheBudgetAndTheRestAreToldToRetry() throws Exception {
        long started = System.nanoTime();
        first = SlowClient.open(server, "/v1/traces", OtlpSpans.PROTOBUF, STALLED_BODY_BYTES + 100);
        second = SlowClient.open(server, "/v1/traces", OtlpSpans.PROTOBUF, STALLED_BODY_BYTES + 100);
        first.send(STALLED_BODY_BYTES);
        second.send(STALLED_BODY_BYTES);
        byte[] export = OtlpSpans.request()
                .add("checkout", span(traceId(1), spanId(1), "GET /cart", SpanKind.SPAN_KIND_SERVER,
                        Instant.now(), Duration.ofMillis(5)))
                .toByteArray();

        // The server reads the stalled clients' bytes in parallel with this: ask until it is full.
        HttpResponse<byte[]> refused = server.post("/v1/traces", export, "Content-Type", OtlpSpans.PROTOBUF);
        while (refused.statusCode() == 200 && System.nanoTime() - started < BODY_TIMEOUT.toNanos() / 2) {
            refused = server.post("/v1/traces", export, "Content-Type", OtlpSpans.PROTOBUF);
        }

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused while the stalled bodies were held")
                .isLessThan(BODY_TIMEOUT);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(com.google.rpc.Status.parseFrom(refused.body()).getMessage())
                .contains(MAX_BYTES_IN_FLIGHT + " bytes are being received at once");

        for (SlowClient stalled : List.of(first, second)) {
            assertThat(stalled.response(BODY_TIMEOUT.multipliedBy(2))).startsWith("HTTP/1.1 408");
        }
        HttpResponse<byte[]> accepted = server.post("/v1/traces", export, "Content-Type", OtlpSpans.PROTOBUF);
        assertThat(accepted.statusCode()).as("the budget is free again").isEqualTo(200);
    }
}
