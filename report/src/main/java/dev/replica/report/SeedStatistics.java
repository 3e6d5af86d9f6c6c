package dev.replica.report;

import java.util.List;

/**
 * Mean and sample standard deviation over seeds (docs/design.md, section 8). Sums run in the given order, so
 * the same values always give the same bits.
 */
public final class SeedStatistics {

    private SeedStatistics() {}

    /**
     * Returns the arithmetic mean.
     *
     * @param values the values, one per seed; not empty
     * @return the mean
     * @throws IllegalArgumentException when there are no values
     */
    public static double mean(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the mean of no values is undefined");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.size();
    }

    /**
     * Returns the sample standard deviation, with n - 1 in the denominator (Bessel's correction):
     * {@code sqrt(sum((x - mean)^2) / (n - 1))}.
     *
     * @param values the values, one per seed
     * @return the standard deviation, or NaN for fewer than two values
     */
    public static double sampleStandardDeviation(List<Double> values) {
        if (values.size() < 2) {
            return Double.NaN;
        }
        double mean = mean(values);
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.size() - 1));
    }
}
