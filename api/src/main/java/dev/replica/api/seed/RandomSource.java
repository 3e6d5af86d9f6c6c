package dev.replica.api.seed;

/**
 * A SplitMix64 generator with samplers written in pure Java ({@link StrictMath} for the Gaussian), so
 * that the same stream gives the same numbers on every platform. Not thread-safe; get one per use from
 * {@link SeedStream#random()}.
 */
public final class RandomSource {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    RandomSource(long seed) {
        this.state = seed;
    }

    /**
     * Returns the next 64 random bits.
     *
     * @return a long
     */
    public long nextLong() {
        state += GOLDEN;
        return SeedStream.mix(state);
    }

    /**
     * Returns a uniform double in {@code [0, 1)} with 53 random bits.
     *
     * @return a double
     */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Returns a uniform float in {@code [0, 1)} with 24 random bits.
     *
     * @return a float
     */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /**
     * Returns a uniform integer in {@code [0, bound)}, without modulo bias.
     *
     * @param bound the exclusive upper bound, positive
     * @return an int
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        // (2^64 - bound) mod bound values at the bottom of the range would bias the residues: skip them.
        long threshold = Long.remainderUnsigned(-(long) bound, bound);
        while (true) {
            long r = nextLong();
            if (Long.compareUnsigned(r, threshold) >= 0) {
                return (int) Long.remainderUnsigned(r, bound);
            }
        }
    }

    /**
     * Returns {@code true} with probability {@code p}.
     *
     * @param p the probability, in {@code [0, 1]}
     * @return a boolean
     */
    public boolean nextBoolean(double p) {
        return nextDouble() < p;
    }

    /**
     * Returns a standard normal value by the Box-Muller transform (one value per two uniforms, none
     * cached, so the sequence does not depend on how calls interleave).
     *
     * @return a double
     */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble(); // in (0, 1]: log is finite
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /**
     * Returns a uniformly random permutation of {@code 0..n-1} (Fisher-Yates).
     *
     * @param n the length
     * @return the permutation
     */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
