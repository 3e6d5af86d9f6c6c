package dev.replica.check;

/**
 * A cross-engine difference next to its noise floor, all relative: how far the two engines' float32
 * results of one replayed step are apart, how far their float64 results (the reference) are apart, and
 * how far each engine's float32 result is from its own float64 result, which is its rounding as long as
 * it is no more than float32 rounding can explain ({@code cap}).
 *
 * @param what the tensor's path, or a name such as {@code loss} or {@code all tensors}
 * @param difference the engines' float32 results' relative difference
 * @param exact the engines' float64 results' relative difference, in the same units
 * @param roundingA the reference engine's float32 result against its float64 result
 * @param roundingB the other engine's
 * @param cap the most rounding float32 arithmetic explains here (see {@link #cap}), in the units of
 *     {@code difference}
 */
record FloorDifference(String what, double difference, double exact, double roundingA, double roundingB, double cap) {

    /** One float32 ulp relative (2^-23): a floor measured below it counts as this. */
    static final double MIN_FLOOR = 0x1p-23;

    /** Float32's unit roundoff, 2^-24: round to nearest moves a value by at most this, relative. */
    static final double UNIT_ROUNDOFF = 0x1p-24;

    /**
     * Returns the most that float32 rounding can move a step's result, relative to its change {@code Δ}:
     * storing the new value {@code w + Δ} in float32 rounds it by at most {@code u} of itself, at most
     * {@code u (‖w‖ + ‖Δ‖)}; computing {@code Δ} from sums of up to {@code terms} float32 terms rounds it
     * by about {@code sqrt(terms)} unit roundoffs of itself, rounding errors adding up like a random walk.
     *
     * @param terms the most terms one of the step's sums adds
     * @param norm the tensor's norm before the step ({@code 0} for a scalar such as the loss)
     * @param change the norm of the step's change, or the scalar itself
     * @return the cap, relative to {@code change}; infinite when nothing changed
     */
    static double cap(long terms, double norm, double change) {
        return change == 0 ? Double.POSITIVE_INFINITY : UNIT_ROUNDOFF * ((norm + change) / change + Math.sqrt(terms));
    }

    /**
     * Returns the rounding that float32 explains here: the cap, or the smaller of the two engines'
     * roundings when that is more (one engine's float32 step came that close, so float32 can; a tensor
     * whose exact change is zero, a convolution's bias right before BatchNorm, holds only rounding noise
     * in both).
     *
     * @return the explained rounding, relative
     */
    double explained() {
        return Math.max(cap, Math.min(roundingA, roundingB));
    }

    /**
     * Returns the noise floor: the larger of the two engines' roundings, at most what float32 explains,
     * at least {@link #MIN_FLOOR}. A float32 kernel that is wrong cannot raise it beyond rounding.
     *
     * @return the floor
     */
    double floor() {
        return Math.max(MIN_FLOOR, Math.min(explained(), Math.max(roundingA, roundingB)));
    }

    /**
     * Returns how many times the floor the engines are apart, in float32 or in float64, whichever is
     * further.
     *
     * @return {@code max(difference, exact) / floor}; NaN when either is NaN
     */
    double ratio() {
        return Math.max(difference, exact) / floor();
    }

    /**
     * Returns whether an engine's float32 result is further from its float64 result than the cap.
     *
     * @param reference the reference engine, or the other
     * @return {@code true} when its rounding is more than float32 can explain
     */
    boolean beyondRounding(boolean reference) {
        return !((reference ? roundingA : roundingB) <= explained());
    }
}
