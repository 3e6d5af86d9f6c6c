package dev.replica.api.seed;

import java.nio.charset.StandardCharsets;

/**
 * A named, derivable source of randomness. Every consumer derives its own stream from the run's root by
 * name (and, where it varies, by epoch or step), never by the order of calls, so a stream is a pure
 * function of (seed, path): {@code root(7).child("data/order").child(3)} is the same on every machine,
 * engine and JVM, and after a resume.
 *
 * <p>The derivation is part of Replica's format: golden-value tests pin it, since changing it would
 * silently change every past result. {@code child("a/b")} equals {@code child("a").child("b")}.
 */
public final class SeedStream {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final String path;

    private SeedStream(long seed, String path) {
        this.seed = seed;
        this.path = path;
    }

    /**
     * Returns the root stream of a run.
     *
     * @param seed the run's seed
     * @return the root stream, whose path is empty
     */
    public static SeedStream root(long seed) {
        return new SeedStream(mix(seed ^ GOLDEN), "");
    }

    /**
     * Derives the child stream at a slash-separated path of names.
     *
     * @param name one or more non-empty names separated by {@code /}
     * @return the child stream
     */
    public SeedStream child(String name) {
        SeedStream s = this;
        for (String part : name.split("/", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("empty name in seed stream path '" + name + "'");
            }
            s = s.derive(hash(part), part);
        }
        return s;
    }

    /**
     * Derives the child stream for an index (an epoch, a step, an example).
     *
     * @param index the index
     * @return the child stream; {@code child(3)} differs from {@code child("3")}
     */
    public SeedStream child(long index) {
        return derive(mix(index * GOLDEN + 0x632BE59BD9B4E019L), Long.toString(index));
    }

    private SeedStream derive(long key, String name) {
        return new SeedStream(mix(seed * GOLDEN + key), path.isEmpty() ? name : path + "/" + name);
    }

    /**
     * Returns a fresh generator at the start of this stream; two calls give the same sequence.
     *
     * @return the generator
     */
    public RandomSource random() {
        return new RandomSource(seed);
    }

    /**
     * Returns this stream's 64-bit seed, e.g. to seed an engine.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Derives the 32-bit seed of an engine whose generator takes an int (DJL's) from a 64-bit one,
     * through the mixing function: structured seeds (1 and 2^32, or a seed and its halves swapped) that a
     * plain fold would collide land far apart, while any fold to 32 bits must collide somewhere.
     *
     * @param seed the 64-bit seed
     * @return the engine's int seed
     */
    public static int engineSeed(long seed) {
        return (int) (mix(seed ^ 0x5DEECE66DL) >>> 32);
    }

    /**
     * Returns the path of names from the root, for logs and manifests.
     *
     * @return the path, e.g. {@code init/resnet18/stem/conv}
     */
    public String path() {
        return path;
    }

    @Override
    public String toString() {
        return "SeedStream[" + path + "]";
    }

    /** FNV-1a over the UTF-8 bytes, then mixed: stable across JVMs, unlike {@code String.hashCode}. */
    static long hash(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser, as in SplitMix64. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
