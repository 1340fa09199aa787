package io.contrail.bench.suite;

import io.contrail.bench.suite.SoakVerdicts.Flatness;
import io.contrail.bench.suite.SoakVerdicts.Point;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The soak run's verdict arithmetic: window medians, the fitted drift, and what counts as flat. */
class SoakVerdictsTest {

    private static final double THIRTY_MINUTES = 1_800;

    /** A value every 10 s over a 30-minute soak. */
    private static List<Point> series(java.util.function.DoubleUnaryOperator valueAtSeconds) {
        List<Point> points = new ArrayList<>();
        for (int t = 0; t <= THIRTY_MINUTES; t += 10) {
            points.add(new Point(t, valueAtSeconds.applyAsDouble(t)));
        }
        return points;
    }

    @Test
    void aSteadyValueWithNoiseIsFlat() {
        Flatness f = SoakVerdicts.flatness(series(t -> 300 + ((int) t / 10 % 2 == 0 ? 40 : -40)), THIRTY_MINUTES, 100);

        assertThat(f.firstMedian()).isBetween(260.0, 340.0);
        assertThat(f.lastMedian()).isBetween(260.0, 340.0);
        assertThat(f.max()).isEqualTo(340);
        assertThat(Math.abs(f.slopePerHour())).isLessThan(10);
        assertThat(f.flat()).isTrue();
        assertThat(f.verdict()).isEqualTo("flat");
    }

    @Test
    void aLeakIsNotFlatThoughEachWindowLooksQuiet() {
        // 200 MiB per hour: 100 MiB over the soak, the windows' medians ~83 MiB apart, under the allowance of 100.
        Flatness f = SoakVerdicts.flatness(series(t -> 300 + t * 200 / 3_600), THIRTY_MINUTES, 100);

        assertThat(f.lastMedian() - f.firstMedian()).isLessThan(100);
        assertThat(f.slopePerHour()).isCloseTo(200, within(1e-6));
        assertThat(f.flat()).isFalse();
    }

    @Test
    void aStepUpBeyondTheAllowanceIsNotFlatAndAFallIsFlat() {
        assertThat(SoakVerdicts.flatness(series(t -> t < 900 ? 10 : 40), THIRTY_MINUTES, 5).flat()).isFalse();
        assertThat(SoakVerdicts.flatness(series(t -> t < 900 ? 40 : 10), THIRTY_MINUTES, 5).flat()).isTrue();
    }

    @Test
    void theFittedLineLeavesOutTheSettlingMinutes() {
        // Climbs for the first two minutes (start-up), then steady: no drift.
        Flatness f = SoakVerdicts.flatness(series(t -> Math.min(t, 120)), THIRTY_MINUTES, 5);

        assertThat(f.slopePerHour()).isZero();
    }

    @Test
    void windowsAndSettlingShrinkWithAShortSoak() {
        assertThat(SoakVerdicts.windowSeconds(THIRTY_MINUTES)).isEqualTo(300);
        assertThat(SoakVerdicts.settleSeconds(THIRTY_MINUTES)).isEqualTo(120);
        assertThat(SoakVerdicts.windowSeconds(120)).isEqualTo(40);
        assertThat(SoakVerdicts.settleSeconds(120)).isEqualTo(30);
    }

    @Test
    void percentilesAreNearestRankAndNothingIsNaN() {
        double[] values = {5, 1, 4, 2, 3};

        assertThat(SoakVerdicts.median(values)).isEqualTo(3);
        assertThat(SoakVerdicts.percentile(values, 0.99)).isEqualTo(5);
        assertThat(SoakVerdicts.percentile(values, 0)).isEqualTo(1);
        assertThat(SoakVerdicts.median(new double[0])).isNaN();
        assertThat(SoakVerdicts.flatness(List.of(), THIRTY_MINUTES, 5).flat()).isFalse();
    }
}
