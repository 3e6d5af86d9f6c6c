package dev.replica.testkit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on the initial values of one parameter, strict enough that all-zero, constant or wrongly
 * scaled weights fail: He-normal layers by their sample standard deviation, uniform layers by their
 * bounds and spread, constant layers exactly.
 */
public final class InitAssertions {

    /** How far a sample standard deviation may be from the one the rule asks for, relatively. */
    public static final double STD_TOLERANCE = 0.05;

    /** Below this many values, spread checks of uniform layers are loosened (too few samples). */
    private static final int LARGE = 1000;

    private InitAssertions() {}

    /**
     * Asserts He (Kaiming) normal values with ReLU gain: sample standard deviation within 5% of
     * {@code sqrt(2 / fan)} and a mean near 0 (within a tenth of that deviation).
     *
     * @param path the parameter's path, for messages
     * @param values the values
     * @param fan the fan (in or out, as the rule says) of the weight's shape
     */
    public static void assertHeNormal(String path, float[] values, long fan) {
        double expected = Math.sqrt(2.0 / fan);
        assertThat(values.length).as("%s: number of values", path).isGreaterThan(1);
        assertThat(sampleStandardDeviation(values))
                .as("%s: sample standard deviation of He normal with fan %d", path, fan)
                .isBetween(expected * (1 - STD_TOLERANCE), expected * (1 + STD_TOLERANCE));
        assertThat(Math.abs(mean(values))).as("%s: |mean| of He normal", path).isLessThan(0.1 * expected);
    }

    /**
     * Asserts values uniform in {@code [-bound, bound)}: every value inside the bound, and a spread that
     * fills it (maximum |value| above 90% of the bound, sample standard deviation within 5% of
     * {@code bound / sqrt(3)}); for fewer than 1000 values, only a maximum above half the bound and
     * values not all equal.
     *
     * @param path the parameter's path, for messages
     * @param values the values
     * @param bound the half-width
     */
    public static void assertUniform(String path, float[] values, double bound) {
        float limit = (float) bound;
        double maxAbs = 0;
        for (float v : values) {
            assertThat(Math.abs(v))
                    .as("%s: |value| within the uniform bound %s", path, bound)
                    .isLessThanOrEqualTo(limit);
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertThat(values.length).as("%s: number of values", path).isGreaterThan(1);
        if (values.length >= LARGE) {
            assertThat(maxAbs)
                    .as("%s: max |value| of uniform +-%s", path, bound)
                    .isGreaterThan(0.9 * bound);
            double expected = bound / Math.sqrt(3);
            assertThat(sampleStandardDeviation(values))
                    .as("%s: sample standard deviation of uniform +-%s", path, bound)
                    .isBetween(expected * (1 - STD_TOLERANCE), expected * (1 + STD_TOLERANCE));
        } else {
            assertThat(maxAbs)
                    .as("%s: max |value| of uniform +-%s", path, bound)
                    .isGreaterThan(0.5 * bound);
            assertThat(sampleStandardDeviation(values)).as("%s: spread", path).isGreaterThan(0);
        }
    }

    /**
     * Asserts that every value is exactly {@code expected}.
     *
     * @param path the parameter's path, for messages
     * @param values the values
     * @param expected the constant
     */
    public static void assertConstant(String path, float[] values, float expected) {
        assertThat(values).as("%s: number of values", path).isNotEmpty();
        for (int i = 0; i < values.length; i++) {
            if (Float.floatToIntBits(values[i]) != Float.floatToIntBits(expected)) {
                throw new AssertionError(path + ": value " + i + " is " + values[i] + ", expected exactly " + expected);
            }
        }
    }

    /**
     * Returns the mean.
     *
     * @param values the values, not empty
     * @return the mean
     */
    public static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /**
     * Returns the sample standard deviation (divisor {@code n - 1}).
     *
     * @param values at least two values
     * @return the standard deviation
     */
    public static double sampleStandardDeviation(float[] values) {
        double m = mean(values);
        double sum = 0;
        for (float v : values) {
            sum += (v - m) * (v - m);
        }
        return Math.sqrt(sum / (values.length - 1));
    }
}
