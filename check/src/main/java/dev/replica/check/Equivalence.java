package dev.replica.check;

import dev.replica.report.SeedStatistics;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Whether two engines reach the same final value of one metric (accuracy or loss), from one value per seed and
 * engine: an equivalence test with two one-sided Welch t tests (TOST).
 *
 * <p>The engines count as equivalent when the {@code 1 - 2 alpha} confidence interval of the difference of the
 * means lies strictly inside {@code (-margin, margin)}, and as different when it lies entirely outside
 * {@code [-margin, margin]}. Anything else, including too few seeds to estimate the spread, is "not enough seeds",
 * never a guess: a wide interval that happens to contain 0 proves nothing. Welch's test does not assume the two
 * engines spread alike, and the degrees of freedom follow Welch–Satterthwaite.
 *
 * <p>Everything is deterministic: the sums run in the given order ({@link SeedStatistics}) and no random generator
 * is created.
 *
 * @param nA the number of seeds of engine A
 * @param nB the number of seeds of engine B
 * @param meanA engine A's mean
 * @param meanB engine B's mean
 * @param sdA engine A's sample standard deviation (n - 1); NaN for a single seed
 * @param sdB engine B's sample standard deviation (n - 1); NaN for a single seed
 * @param difference {@code meanB - meanA}
 * @param standardError {@code sqrt(sdA^2 / nA + sdB^2 / nB)}; NaN when a sample has a single seed
 * @param degreesOfFreedom Welch–Satterthwaite's degrees of freedom; {@code nA + nB - 2} when both standard
 *     deviations are 0; NaN when a sample has a single seed
 * @param lower the lower end of the {@code 1 - 2 alpha} confidence interval of the difference
 * @param upper the upper end of that interval
 * @param margin the largest difference that still counts as equivalent, exclusive
 * @param alpha the level of each one-sided test
 * @param outcome the verdict
 * @param seedsNeeded for {@link Outcome#NOT_ENOUGH_SEEDS}, about how many seeds per engine would reach a verdict,
 *     or -1 when more than {@link #MAX_SEEDS}; 0 otherwise
 */
public record Equivalence(
        int nA,
        int nB,
        double meanA,
        double meanB,
        double sdA,
        double sdB,
        double difference,
        double standardError,
        double degreesOfFreedom,
        double lower,
        double upper,
        double margin,
        double alpha,
        Outcome outcome,
        int seedsNeeded) {

    /**
     * The fewest seeds per engine for a verdict. From two runs each standard deviation rests on one degree of
     * freedom, and Welch's degrees of freedom lie between 1 and 2, where the one-sided 95% t quantile is 6.31 (df 1)
     * to 2.92 (df 2), against 1.64 for a known spread. Worse, the spread itself is hardly known: the 95% confidence
     * interval of a standard deviation estimated from two values runs from 0.45 to 31.9 times the estimate (from
     * three values, 0.52 to 6.28 times).
     */
    static final int MIN_SEEDS = 3;

    /** The most seeds per engine that {@link #seedsNeeded()} looks at. */
    static final int MAX_SEEDS = 10_000;

    /** The verdict. */
    public enum Outcome {
        /** The confidence interval lies strictly inside {@code (-margin, margin)}. */
        EQUIVALENT,
        /** The confidence interval lies entirely outside {@code [-margin, margin]}. */
        DIFFERENT,
        /** Too few seeds, or an interval that crosses the margin: more seeds would tell. */
        NOT_ENOUGH_SEEDS
    }

    /**
     * Compares engine B's values with engine A's.
     *
     * @param a engine A's values, one per seed; not empty, finite
     * @param b engine B's values, one per seed; not empty, finite
     * @param margin the equivalence margin, in the metric's unit; positive and finite
     * @param alpha the level of each one-sided test, in (0, 0.5); 0.05 gives a 90% interval
     * @return the comparison and its verdict
     * @throws IllegalArgumentException for an empty sample, a value that is not finite, a bad margin or alpha
     */
    static Equivalence of(List<Double> a, List<Double> b, double margin, double alpha) {
        requireValues(a, "A");
        requireValues(b, "B");
        if (!(margin > 0) || !Double.isFinite(margin)) {
            throw new IllegalArgumentException("the equivalence margin must be positive and finite, not " + margin);
        }
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha must lie strictly between 0 and 0.5, not " + alpha);
        }
        int nA = a.size();
        int nB = b.size();
        double meanA = SeedStatistics.mean(a);
        double meanB = SeedStatistics.mean(b);
        double sdA = SeedStatistics.sampleStandardDeviation(a);
        double sdB = SeedStatistics.sampleStandardDeviation(b);
        double difference = meanB - meanA;

        double standardError = Double.NaN;
        double degreesOfFreedom = Double.NaN;
        double lower = Double.NaN;
        double upper = Double.NaN;
        if (nA >= 2 && nB >= 2) {
            double termA = sdA / Math.sqrt(nA);
            double termB = sdB / Math.sqrt(nB);
            // hypot: sqrt(sdA^2 / nA + sdB^2 / nB) without squares that underflow or overflow.
            standardError = Math.hypot(termA, termB);
            degreesOfFreedom = welch(termA, termB, standardError, nA - 1, nB - 1);
            double halfWidth = standardError == 0 ? 0 : quantile(degreesOfFreedom, alpha) * standardError;
            lower = difference - halfWidth;
            upper = difference + halfWidth;
        }

        Outcome outcome;
        if (nA < MIN_SEEDS || nB < MIN_SEEDS) {
            outcome = Outcome.NOT_ENOUGH_SEEDS;
        } else if (lower > -margin && upper < margin) {
            outcome = Outcome.EQUIVALENT;
        } else if (lower > margin || upper < -margin) {
            outcome = Outcome.DIFFERENT;
        } else {
            outcome = Outcome.NOT_ENOUGH_SEEDS;
        }
        int seedsNeeded =
                outcome == Outcome.NOT_ENOUGH_SEEDS ? seedsNeeded(nA, nB, sdA, sdB, difference, margin, alpha) : 0;
        return new Equivalence(
                nA,
                nB,
                meanA,
                meanB,
                sdA,
                sdB,
                difference,
                standardError,
                degreesOfFreedom,
                lower,
                upper,
                margin,
                alpha,
                outcome,
                seedsNeeded);
    }

    private static void requireValues(List<Double> values, String engine) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("engine " + engine + " has no values to compare");
        }
        for (int i = 0; i < values.size(); i++) {
            Double v = values.get(i);
            // An infinite accuracy or loss is a failed run, not a sample: its mean and spread mean nothing.
            if (v == null || !Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        "engine " + engine + "'s value " + (i + 1) + " is " + v + ", not a finite number");
            }
        }
    }

    /**
     * Welch–Satterthwaite's degrees of freedom, {@code (u + w)^2 / (u^2 / dfA + w^2 / dfB)} with
     * {@code u = termA^2} and {@code w = termB^2}, written with the shares {@code u / (u + w)} so that nothing
     * underflows. With no spread at all the formula is 0 / 0: then the degrees of freedom are the pooled
     * {@code dfA + dfB}, which the interval (of width 0) does not depend on anyway.
     */
    private static double welch(double termA, double termB, double standardError, int dfA, int dfB) {
        if (standardError == 0) {
            return dfA + dfB;
        }
        double shareA = (termA / standardError) * (termA / standardError);
        double shareB = (termB / standardError) * (termB / standardError);
        return 1 / (shareA * shareA / dfA + shareB * shareB / dfB);
    }

    /** The {@code 1 - alpha} quantile of Student's t distribution. */
    private static double quantile(double degreesOfFreedom, double alpha) {
        // No random generator: only the quantile is used, and the one-argument constructor seeds one from the clock.
        return new TDistribution(null, degreesOfFreedom).inverseCumulativeProbability(1 - alpha);
    }

    /**
     * The smallest number of seeds per engine, the same for both, at which the verdict would be reached if the
     * difference of the means and both standard deviations stayed as measured: {@code t_df(n)(1 - alpha) *
     * sqrt((sdA^2 + sdB^2) / n) < |margin - |difference||}. It is at least {@link #MIN_SEEDS}, at least the larger
     * sample's size, and more than the smaller one's (with equal sizes n: at least n + 1). The half-width shrinks
     * as n grows, so a bisection finds it.
     *
     * @return that number; the first candidate when a spread is unknown (a single seed); -1 when even
     *     {@link #MAX_SEEDS} would not do, for instance when the difference is exactly the margin
     */
    private static int seedsNeeded(
            int nA, int nB, double sdA, double sdB, double difference, double margin, double alpha) {
        int first = Math.max(MIN_SEEDS, Math.max(Math.min(nA, nB) + 1, Math.max(nA, nB)));
        if (Double.isNaN(sdA) || Double.isNaN(sdB)) {
            return first;
        }
        double gap = Math.abs(margin - Math.abs(difference));
        if (first > MAX_SEEDS || !decides(MAX_SEEDS, sdA, sdB, gap, alpha)) {
            return -1;
        }
        int low = first;
        int high = MAX_SEEDS;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (decides(mid, sdA, sdB, gap, alpha)) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    /** The half-width of the interval with n seeds per engine and these standard deviations. */
    private static double halfWidthFor(int n, double sdA, double sdB, double alpha) {
        double spread = Math.hypot(sdA, sdB);
        if (spread == 0) {
            return 0;
        }
        double df = welch(sdA, sdB, spread, n - 1, n - 1);
        return quantile(df, alpha) * spread / Math.sqrt(n);
    }

    /** Whether n seeds per engine with these standard deviations give an interval narrower than the gap. */
    private static boolean decides(int n, double sdA, double sdB, double gap, double alpha) {
        return halfWidthFor(n, sdA, sdB, alpha) < gap;
    }

    /**
     * Describes the verdict in one line, for instance {@code equivalent: difference +0.0040 (90% CI -0.0110 to
     * +0.0190) within the margin ±0.0300}.
     *
     * @return the description
     */
    public String describe() {
        String interval = Double.isNaN(lower)
                ? ""
                : String.format(Locale.ROOT, " (%s%% CI %+.4f to %+.4f)", confidence(), lower, upper);
        String measured = String.format(Locale.ROOT, "difference %+.4f%s", difference, interval);
        String bound = String.format(Locale.ROOT, "the margin ±%.4f", margin);
        if (outcome == Outcome.EQUIVALENT) {
            return "equivalent: " + measured + " within " + bound;
        }
        if (outcome == Outcome.DIFFERENT) {
            return "different: " + measured + " outside " + bound;
        }
        if (nA < MIN_SEEDS || nB < MIN_SEEDS) {
            return "not enough seeds to tell: " + measured + "; at least " + MIN_SEEDS
                    + " seeds per engine are needed to estimate the spread";
        }
        String more = seedsNeeded < 0
                ? "more than " + MAX_SEEDS + " seeds per engine would be needed"
                : "about " + seedsNeeded + " seeds per engine would tell";
        return "not enough seeds to tell: " + measured + " crosses " + bound + "; " + more;
    }

    /** The interval's confidence in percent without trailing zeros: 90 for alpha 0.05, 97.5 for 0.0125. */
    private String confidence() {
        // Rounded first, so that 100 * (1 - 2 * alpha) printing as 89.99999999999999 still reads 90.
        return new BigDecimal(String.format(Locale.ROOT, "%.6f", 100 * (1 - 2 * alpha)))
                .stripTrailingZeros()
                .toPlainString();
    }
}
