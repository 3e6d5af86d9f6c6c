package dev.replica.runner.check;

/**
 * A cross-engine difference next to its noise floor, all relative: how far the two engines' float32
 * results of one replayed step are apart, and how far each engine's float32 result is from its own
 * float64 result, which is its rounding.
 *
 * @param what the tensor's path, or a name such as {@code loss} or {@code all tensors}
 * @param difference the engines' relative difference
 * @param roundingA the reference engine's float32 result against its float64 result
 * @param roundingB the other engine's
 */
record FloorDifference(String what, double difference, double roundingA, double roundingB) {

    /** One float32 ulp relative (2^-23): a floor measured below it counts as this. */
    static final double MIN_FLOOR = 0x1p-23;

    /**
     * Returns the noise floor: the larger of the two engines' roundings, at least {@link #MIN_FLOOR}.
     *
     * @return the floor
     */
    double floor() {
        return Math.max(MIN_FLOOR, Math.max(roundingA, roundingB));
    }

    /**
     * Returns how many times the floor the difference is.
     *
     * @return {@code difference / floor}; NaN when the difference is NaN
     */
    double ratio() {
        return difference / floor();
    }
}
