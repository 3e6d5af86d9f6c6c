package dev.replica.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The equivalence test of two engines' per-seed results: Welch's interval against published and independently
 * computed numbers, the three verdicts, how many seeds would tell, and the arguments it refuses.
 */
class EquivalenceTest {

    private static final double ALPHA = 0.05;

    private static List<Double> values(double... v) {
        return Arrays.stream(v).boxed().toList();
    }

    /**
     * n values whose mean is {@code mean} and whose sample standard deviation is {@code sd}: evenly spaced points
     * centred on 0, scaled to a standard deviation of 1.
     */
    private static List<Double> spread(int n, double mean, double sd) {
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double z = i - (n - 1) / 2.0;
            squares += z * z;
        }
        double scale = Math.sqrt(squares / (n - 1));
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add(mean + sd * (i - (n - 1) / 2.0) / scale);
        }
        return v;
    }

    @Test
    void welchIntervalMatchesTheTextbookExample() {
        // R's t.test(ts1, ts2) on these values prints "t = -1.8325, df = 17.9, 95 percent confidence interval:
        // -2.1469104 0.1469104" for ts1 - ts2; this class reports ts2 - ts1, so the interval flips sign.
        // By hand: means 104/10 = 10.4 and 114/10 = 11.4; squared deviations sum to 12.4 and 14.4, so the
        // variances are 12.4/9 = 1.37778 and 1.6; SE = sqrt(0.137778 + 0.16) = 0.545690; df = 0.297778^2
        // / (0.137778^2/9 + 0.16^2/9) = 17.9003. scipy 1.17.1 (stats.t.ppf, ttest_ind equal_var=False) gives
        // df 17.900310146211787, t(0.975) 2.1017610323023463, t(0.95) 1.7345869450550142, and the intervals below.
        List<Double> ts1 = values(11, 9, 10, 11, 10, 12, 9, 11, 12, 9);
        List<Double> ts2 = values(11, 13, 10, 13, 12, 9, 11, 12, 12, 11);

        Equivalence e95 = Equivalence.of(ts1, ts2, 3, 0.025);

        assertThat(e95.nA()).isEqualTo(10);
        assertThat(e95.nB()).isEqualTo(10);
        assertThat(e95.meanA()).isCloseTo(10.4, within(1e-12));
        assertThat(e95.meanB()).isCloseTo(11.4, within(1e-12));
        assertThat(e95.sdA()).isCloseTo(Math.sqrt(12.4 / 9), within(1e-12));
        assertThat(e95.sdB()).isCloseTo(Math.sqrt(1.6), within(1e-12));
        assertThat(e95.difference()).isCloseTo(1.0, within(1e-12));
        assertThat(e95.standardError()).isCloseTo(0.5456901847914967, within(1e-12));
        assertThat(e95.degreesOfFreedom()).isCloseTo(17.900310146211787, within(1e-9));
        assertThat(e95.lower()).isCloseTo(-0.1469104, within(1e-7));
        assertThat(e95.upper()).isCloseTo(2.1469104, within(1e-7));
        assertThat(e95.outcome()).isEqualTo(Equivalence.Outcome.EQUIVALENT);
        assertThat(e95.seedsNeeded()).isZero();
        assertThat(e95.describe())
                .isEqualTo("equivalent: difference +1.0000 (95% CI -0.1469 to +2.1469) within the margin ±3.0000");

        // The 90% interval (scipy): 0.05345292941601165 to 1.9465470705839882. Entirely above a margin of 0.05,
        // while the wider 95% interval crosses it.
        Equivalence e90 = Equivalence.of(ts1, ts2, 0.05, ALPHA);
        assertThat(e90.lower()).isCloseTo(0.05345292941601165, within(1e-8));
        assertThat(e90.upper()).isCloseTo(1.9465470705839882, within(1e-8));
        assertThat(e90.outcome()).isEqualTo(Equivalence.Outcome.DIFFERENT);
        assertThat(Equivalence.of(ts1, ts2, 0.05, 0.025).outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
    }

    @Test
    void closeResultsWithAGenerousMarginAreEquivalent() {
        // scipy: difference 0.0002, SE 0.0011135528725660054, df 7.711133400200603, 90% CI -0.0018808 to 0.0022808.
        Equivalence e = Equivalence.of(
                values(0.912, 0.915, 0.910, 0.913, 0.914), values(0.913, 0.911, 0.915, 0.912, 0.914), 0.03, ALPHA);

        assertThat(e.outcome()).isEqualTo(Equivalence.Outcome.EQUIVALENT);
        assertThat(e.degreesOfFreedom()).isCloseTo(7.711133400200603, within(1e-9));
        assertThat(e.lower()).isCloseTo(-0.0018808061800489832, within(1e-9));
        assertThat(e.upper()).isCloseTo(0.002280806180048717, within(1e-9));
        assertThat(e.seedsNeeded()).isZero();
        assertThat(e.describe())
                .isEqualTo("equivalent: difference +0.0002 (90% CI -0.0019 to +0.0023) within the margin ±0.0300");
    }

    @Test
    void clearlySeparatedResultsAreDifferent() {
        // scipy: difference -0.1, SE 0.004082482904638634, df 4, 90% CI -0.10870322806 to -0.09129677194.
        Equivalence e = Equivalence.of(values(0.90, 0.91, 0.905), values(0.80, 0.81, 0.805), 0.02, ALPHA);

        assertThat(e.outcome()).isEqualTo(Equivalence.Outcome.DIFFERENT);
        assertThat(e.degreesOfFreedom()).isCloseTo(4, within(1e-9));
        assertThat(e.lower()).isCloseTo(-0.10870322806048723, within(1e-9));
        assertThat(e.upper()).isCloseTo(-0.09129677193951251, within(1e-9));
        assertThat(e.seedsNeeded()).isZero();
        assertThat(e.describe())
                .isEqualTo("different: difference -0.1000 (90% CI -0.1087 to -0.0913) outside the margin ±0.0200");
    }

    @Test
    void twoSeedsNeverDecideEvenWhenTheIntervalWould() {
        // Nearly identical: the 90% interval (scipy: +-0.000206, df 2) lies well inside the margin.
        Equivalence same = Equivalence.of(values(0.9120, 0.9121), values(0.9120, 0.9121), 0.03, ALPHA);
        assertThat(same.upper()).isLessThan(0.001);
        assertThat(same.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(same.seedsNeeded()).isEqualTo(Equivalence.MIN_SEEDS);
        assertThat(same.describe())
                .isEqualTo("not enough seeds to tell: difference +0.0000 (90% CI -0.0002 to +0.0002); at least 3 "
                        + "seeds per engine are needed to estimate the spread");

        // Far apart: the interval (0.39979 to 0.40021) lies far outside the margin, still no verdict.
        Equivalence apart = Equivalence.of(values(0.5, 0.5001), values(0.9, 0.9001), 0.01, ALPHA);
        assertThat(apart.lower()).isGreaterThan(0.39);
        assertThat(apart.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(apart.seedsNeeded()).isGreaterThanOrEqualTo(Equivalence.MIN_SEEDS);
    }

    @Test
    void aSingleSeedHasNoSpreadAndNoInterval() {
        Equivalence e = Equivalence.of(values(0.9), values(0.91, 0.92, 0.93), 0.03, ALPHA);

        assertThat(e.sdA()).isNaN();
        assertThat(e.standardError()).isNaN();
        assertThat(e.lower()).isNaN();
        assertThat(e.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(e.seedsNeeded()).isEqualTo(3);
        assertThat(e.describe())
                .isEqualTo("not enough seeds to tell: difference +0.0200; at least 3 seeds per engine are needed "
                        + "to estimate the spread");
        assertThat(Equivalence.of(values(0.9), values(0.9, 0.9, 0.9, 0.9, 0.9), 0.03, ALPHA)
                        .seedsNeeded())
                .as("never fewer than the larger sample already has")
                .isEqualTo(5);
    }

    @Test
    void aBorderlineIntervalSaysHowManySeedsWouldTellAndThatManyDo() {
        // 5 seeds each, means 0.9 and 0.91, SDs 0.01 and 0.012: the 90% interval (scipy: -0.0030452 to
        // 0.0230452, df 7.748) crosses the margin 0.02. With n per engine the half-width is t_df(n)(0.95)
        // * sqrt((0.01^2 + 0.012^2) / n), df(n) = (n - 1) (0.01^2 + 0.012^2)^2 / (0.01^4 + 0.012^4); scipy gives
        // 0.0097496 at n = 8, below the gap 0.01, and more at n = 7. Samples of 7 and 8 with the same means and
        // SDs: the upper end is 0.0205512 (above the margin) and 0.0197496 (inside).
        Equivalence five = Equivalence.of(spread(5, 0.9, 0.01), spread(5, 0.91, 0.012), 0.02, ALPHA);
        assertThat(five.lower()).isCloseTo(-0.0030452184162073227, within(1e-9));
        assertThat(five.upper()).isCloseTo(0.02304521841620756, within(1e-9));
        assertThat(five.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(five.seedsNeeded()).isEqualTo(8);
        assertThat(five.describe())
                .isEqualTo("not enough seeds to tell: difference +0.0100 (90% CI -0.0030 to +0.0230) crosses the "
                        + "margin ±0.0200; about 8 seeds per engine would tell");

        Equivalence seven = Equivalence.of(spread(7, 0.9, 0.01), spread(7, 0.91, 0.012), 0.02, ALPHA);
        assertThat(seven.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(seven.seedsNeeded()).isEqualTo(8);
        Equivalence eight = Equivalence.of(spread(8, 0.9, 0.01), spread(8, 0.91, 0.012), 0.02, ALPHA);
        assertThat(eight.upper()).isCloseTo(0.01974955267257121, within(1e-9));
        assertThat(eight.outcome()).isEqualTo(Equivalence.Outcome.EQUIVALENT);
    }

    @Test
    void aBorderlineDifferenceBeyondTheMarginBecomesDifferentWithTheSeedsNeeded() {
        // Means 0.9 and 0.93: the same half-widths as above against the gap 0.03 - 0.02 = 0.01.
        Equivalence five = Equivalence.of(spread(5, 0.9, 0.01), spread(5, 0.93, 0.012), 0.02, ALPHA);
        assertThat(five.lower()).isCloseTo(0.016954781583792586, within(1e-9));
        assertThat(five.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(five.seedsNeeded()).isEqualTo(8);

        Equivalence eight = Equivalence.of(spread(8, 0.9, 0.01), spread(8, 0.93, 0.012), 0.02, ALPHA);
        assertThat(eight.lower()).isCloseTo(0.020250447327428825, within(1e-9));
        assertThat(eight.outcome()).isEqualTo(Equivalence.Outcome.DIFFERENT);
    }

    @Test
    void identicalRunsHaveNoSpreadButStillAVerdict() {
        // Binary fractions, so that every deviation from the mean is exactly 0.
        List<Double> a = Collections.nCopies(3, 0.875);
        Equivalence same = Equivalence.of(a, Collections.nCopies(4, 0.875), 0.01, ALPHA);
        assertThat(same.sdA()).isZero();
        assertThat(same.standardError()).isZero();
        assertThat(same.degreesOfFreedom()).as("nA + nB - 2").isEqualTo(5);
        assertThat(same.lower()).isZero();
        assertThat(same.upper()).isZero();
        assertThat(same.outcome()).isEqualTo(Equivalence.Outcome.EQUIVALENT);

        Equivalence apart = Equivalence.of(a, Collections.nCopies(3, 0.75), 0.01, ALPHA);
        assertThat(apart.lower()).isEqualTo(-0.125);
        assertThat(apart.upper()).isEqualTo(-0.125);
        assertThat(apart.outcome()).isEqualTo(Equivalence.Outcome.DIFFERENT);

        // Exactly on the margin: neither inside nor outside, and no number of seeds changes that.
        Equivalence edge = Equivalence.of(a, Collections.nCopies(3, 0.75), 0.125, ALPHA);
        assertThat(edge.outcome()).isEqualTo(Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        assertThat(edge.seedsNeeded()).isEqualTo(-1);
        assertThat(edge.describe())
                .isEqualTo("not enough seeds to tell: difference -0.1250 (90% CI -0.1250 to -0.1250) crosses the "
                        + "margin ±0.1250; more than 10000 seeds per engine would be needed");
    }

    @Test
    void oneEngineWithoutSpreadLeavesTheOthersDegreesOfFreedom() {
        // Welch's formula with sdA = 0 reduces to nB - 1.
        Equivalence e = Equivalence.of(values(0.5, 0.5, 0.5), values(0.5, 0.625, 0.75, 0.625), 0.5, ALPHA);

        assertThat(e.degreesOfFreedom()).isCloseTo(3, within(1e-12));
        assertThat(e.standardError()).isCloseTo(e.sdB() / 2, within(1e-15));
    }

    @Test
    void theIntervalsConfidenceIsPrintedWithoutTrailingZeros() {
        assertThat(Equivalence.of(values(1, 2, 3), values(1, 2, 3), 5, 0.0125).describe())
                .startsWith("equivalent: difference +0.0000 (97.5% CI ");
        assertThat(Equivalence.of(values(1, 2, 3), values(1, 2, 3), 10, 0.00125).describe())
                .startsWith("equivalent: difference +0.0000 (99.75% CI ");
    }

    @Test
    void badArgumentsAreRefusedWithAMessage() {
        List<Double> ok = values(0.9, 0.91, 0.92);

        assertThatThrownBy(() -> Equivalence.of(List.of(), ok, 0.01, ALPHA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine A has no values to compare");
        assertThatThrownBy(() -> Equivalence.of(ok, values(0.9, Double.NaN), 0.01, ALPHA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine B's value 2 is NaN, not a finite number");
        assertThatThrownBy(() -> Equivalence.of(values(Double.POSITIVE_INFINITY), ok, 0.01, ALPHA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine A's value 1 is Infinity, not a finite number");
        for (double margin : new double[] {0, -0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Equivalence.of(ok, ok, margin, ALPHA))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the equivalence margin must be positive and finite, not " + margin);
        }
        for (double alpha : new double[] {0, 0.5, -0.05, Double.NaN}) {
            assertThatThrownBy(() -> Equivalence.of(ok, ok, 0.01, alpha))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("alpha must lie strictly between 0 and 0.5, not " + alpha);
        }
    }
}
