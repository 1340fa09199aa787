package io.contrail.lake;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SplitTracesTest {

    @Test
    void countsATraceOnceWhenItsSpansReachedThisNodeAndAnother() {
        SplitTraces split = new SplitTraces();
        split.add(true, new long[] {1, 2, 3});
        split.add(false, new long[] {3, 4});
        assertThat(split.count()).isEqualTo(1);
        split.add(false, new long[] {3, 5});
        split.add(true, new long[] {3, 4});
        assertThat(split.count()).as("trace 3 counted once per side's first sight; 4 now on both").isEqualTo(2);
        split.add(true, null);
        assertThat(split.count()).isEqualTo(2);
    }

    @Test
    void remembersOnlyTheRecentTracesOfEachSide() {
        SplitTraces split = new SplitTraces();
        split.add(true, new long[] {-1});
        long[] many = new long[SplitTraces.WINDOW];
        for (int i = 0; i < many.length; i++) {
            many[i] = i + 1;
        }
        split.add(true, many);
        split.add(false, new long[] {-1});
        assertThat(split.count()).as("the first key left the window").isZero();
    }
}
