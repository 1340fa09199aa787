package io.contrail.lake;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WakeupTest {

    @Test
    void aWakeUpBeforeTheWaitIsNotLostAndIsUsedOnce() {
        Wakeup wakeup = new Wakeup();
        wakeup.wake();
        long started = System.nanoTime();
        assertThat(wakeup.await(TimeUnit.MINUTES.toMillis(10))).isTrue();
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MINUTES.toNanos(1));
        started = System.nanoTime();
        assertThat(wakeup.await(50)).isTrue();
        assertThat(System.nanoTime() - started).as("the wake-up was used").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void aWaitingThreadReturnsWhenWoken() throws Exception {
        Wakeup wakeup = new Wakeup();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> wakeup.await(TimeUnit.MINUTES.toMillis(10)));
        while (!waiting.isDone()) {
            wakeup.wake();
            Thread.onSpinWait();
        }
        assertThat(waiting.get()).isTrue();
    }
}
