package io.contrail.columnar;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link StoredOrder#rowOf} puts rows in {@link SpanSchema#STORED_ORDER} — service, name, start, then the order
 * they came — whether a group's starts lie close together (its packed sort) or decades apart (its fallback).
 */
class StoredOrderTest {

    @Test
    void rowsGoByServiceNameStartThenArrivalWhateverTheSpreadOfStarts() {
        Random random = new Random(7);
        for (long spread : new long[] {1_000, 3_600_000_000_000L, Long.MAX_VALUE / 4}) {
            int n = 5_000;
            String[] services = new String[n];
            String[] names = new String[n];
            long[] starts = new long[n];
            for (int i = 0; i < n; i++) {
                services[i] = "svc-" + random.nextInt(4);
                names[i] = random.nextBoolean() ? "GET /a" : "É " + random.nextInt(3);
                starts[i] = Math.floorMod(random.nextLong(), spread) / 10 * 10; // equal starts happen
            }
            Integer[] expected = new Integer[n];
            Arrays.setAll(expected, i -> i);
            Arrays.sort(expected, Comparator.<Integer, String>comparing(i -> services[i]).thenComparing(i -> names[i])
                    .thenComparingLong(i -> starts[i]).thenComparingInt(i -> i));

            int[] rowOf = StoredOrder.rowOf(services, names, starts);
            Integer[] actual = new Integer[n];
            for (int i = 0; i < n; i++) {
                actual[rowOf[i]] = i;
            }
            assertThat(actual).as("spread %d", spread).containsExactly(expected);
        }
    }
}
