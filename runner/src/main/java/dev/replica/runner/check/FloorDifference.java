package dev.replica.runner.check;

/**
 * A cross-engine difference next to its noise floor, both relative: how far the two engines' float32
 * results of one replayed step are apart, and how far each engine's float32 result is from its own
 * float64 result, which is its rounding.
 *
 * @param what the tensor's path, or a name such as {@code loss} or {@code all tensors}
 * @param difference the engines' relative difference
 * @param floor the noise floor: the larger of the two engines' roundings, at least
 *     {@link #MIN_FLOOR}
 */
record FloorDifference(String what, double difference, double floor) {

    /** One float32 ulp relative (2^-23): a floor measured below it counts as this. */
    static final double MIN_FLOOR = 0x1p-23;

    /**
     * Makes the record from the two engines' roundings.
     *
     * @param what what was compared
     * @param difference the engines' relative difference
     * @param floorA the reference engine's float32 result against its float64 result
     * @param floorB the other engine's
     * @return the record
     */
    static FloorDifference of(String what, double difference, double floorA, double floorB) {
        return new FloorDifference(what, difference, Math.max(MIN_FLOOR, Math.max(floorA, floorB)));
    }

    /**
     * Returns how many times the floor the difference is.
     *
     * @return {@code difference / floor}; NaN when the difference is NaN
     */
    double ratio() {
        return difference / floor;
    }
}
