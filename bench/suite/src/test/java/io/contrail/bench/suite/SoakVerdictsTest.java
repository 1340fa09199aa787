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
    void briefSpikesLateInTheSoakMakeNoDrift() {
        // 30 open files, and a merge holding 68 more for 20 s every five minutes in the second half: a least-squares
        // line climbs 14 files per hour through these, over an allowance of 6.
        Flatness f = SoakVerdicts.flatness(series(t -> t > 900 && t % 300 < 20 ? 98 : 30), THIRTY_MINUTES, 6);

        assertThat(f.max()).isEqualTo(98);
        assertThat(f.slopePerHour()).isZero();
        assertThat(f.flat()).isTrue();
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

    @Test
    void capacityIsTheMedianOfTheWholeWindowsAfterTheWarmUpNotTheMeanOfTheEnd() {
        // Acknowledged so far at the end of each 10-s window: 20k/s in the warm-up, then rising 50k → 110k/s as the
        // machine gets quieter. The mean of the last 60 s would be 85k/s; the median of the seven windows is 80k/s.
        long[] rates = {20_000, 20_000, 20_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000};
        long[] acknowledged = new long[rates.length];
        long sum = 0;
        for (int i = 0; i < rates.length; i++) {
            sum += rates[i] * 10;
            acknowledged[i] = sum;
        }

        double[] windows = SoakVerdicts.capacityWindowRates(acknowledged, 30);

        assertThat(windows).containsExactly(50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000);
        assertThat(SoakVerdicts.capacity(windows)).isEqualTo(80_000);
    }

    @Test
    void aWarmUpThatIsNotAWholeNumberOfWindowsLeavesOutTheWindowItEndsIn() {
        double[] windows = SoakVerdicts.capacityWindowRates(new long[]{100, 200, 400, 700}, 15);

        assertThat(windows).containsExactly(20, 30);
        assertThat(SoakVerdicts.capacity(new double[0])).isNaN();
    }

    /** Spans acknowledged so far, every 10 s of a soak, at {@code rateAt} spans/s, starting from (0, 0). */
    private static List<Point> acknowledged(double seconds, java.util.function.DoubleUnaryOperator rateAt) {
        List<Point> points = new ArrayList<>(List.of(new Point(0, 0)));
        double sum = 0;
        for (int t = 10; t <= seconds; t += 10) {
            sum += rateAt.applyAsDouble(t) * 10;
            points.add(new Point(t, sum));
        }
        return points;
    }

    @Test
    void aSoakAtItsTargetIsSustained() {
        SoakVerdicts.Sustained s = SoakVerdicts.sustained(acknowledged(THIRTY_MINUTES, t -> 1_000), 1_000);

        assertThat(s.windows()).isEqualTo(175); // every sample from 60 s to 1,800 s ends a window
        assertThat(s.shortWindows()).isZero();
        assertThat(s.lowestShare()).isCloseTo(1, within(1e-9));
        assertThat(s.sustained()).isTrue();
    }

    @Test
    void oneMinuteUnderNinetyFivePercentIsNotSustainedThoughTheWholeSoakAveragesAboveIt() {
        // 20 s at 700/s at 900 s in, made up for afterwards: the soak's mean is ~99% of the target.
        SoakVerdicts.Sustained s = SoakVerdicts.sustained(
                acknowledged(THIRTY_MINUTES, t -> t > 900 && t <= 920 ? 700 : 1_000), 1_000);

        assertThat(s.shortWindows()).isEqualTo(5); // those ending at 920 … 960 s hold both slow intervals: 900/s
        assertThat(s.lowest().value()).isCloseTo(900, within(1e-9));
        assertThat(s.sustained()).isFalse();
    }

    @Test
    void windowsAreAtLeastTheirLengthAndASoakShorterThanOneHasNone() {
        List<Point> uneven = List.of(new Point(0, 0), new Point(35, 35), new Point(70, 70), new Point(75, 90));

        assertThat(SoakVerdicts.windowRates(uneven, 60)).containsExactly(new Point(70, 1), new Point(75, 90.0 / 75));
        assertThat(SoakVerdicts.sustained(acknowledged(50, t -> 1_000), 1_000).sustained()).isFalse();
    }
}
