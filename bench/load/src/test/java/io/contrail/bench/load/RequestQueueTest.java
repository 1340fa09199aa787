package io.contrail.bench.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class RequestQueueTest {

    private static PreparedRequest request(int bytes) {
        return new PreparedRequest(new byte[bytes], 1, bytes, PreparedRequest.NOT_MEASURED, false);
    }

    @Test
    void onceTimingStartedAFullQueueIsRefilledOnlyAfterDrainingToAQuarter() throws Exception {
        RequestQueue queue = new RequestQueue(100);
        AtomicInteger puts = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try {
                while (true) {
                    queue.put(request(10));
                    puts.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        try {
            assertThat(queue.awaitFilled(5, TimeUnit.SECONDS)).isTrue();
            assertThat(queue.bytesHeld()).isEqualTo(100);
            queue.timingStarts();

            for (int i = 0; i < 7; i++) {
                queue.take();
            }
            org.awaitility.Awaitility.await("30 bytes left: more than a quarter, no refill yet")
                    .failFast("refilled above a quarter", () -> queue.bytesHeld() != 30)
                    .during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5))
                    .until(() -> queue.bytesHeld() == 30);
            assertThat(queue.bytesHeld()).as("30 bytes left: more than a quarter, no refill yet").isEqualTo(30);

            queue.take();
            org.awaitility.Awaitility.await("refilled to the bound").atMost(Duration.ofSeconds(5))
                    .until(() -> queue.bytesHeld() >= 100);
            assertThat(queue.bytesHeld()).as("20 bytes left: refilled to the bound").isEqualTo(100);
            assertThat(puts.get()).isEqualTo(18);
        } finally {
            producer.interrupt();
            producer.join();
        }
    }

    @Test
    void takeReturnsNullOnceClosedAndDrained() throws Exception {
        RequestQueue queue = new RequestQueue(100);
        queue.put(request(10));
        queue.close();
        assertThat(queue.take()).isNotNull();
        assertThat(queue.take()).isNull();
    }
}
