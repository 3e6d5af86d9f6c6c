package dev.replica.datasets;

import dev.replica.api.seed.SeedStream;
import java.util.Arrays;

/**
 * Which training examples are held out for validation: the first {@code count} of a permutation drawn
 * from the stream {@code holdout} of the data stream, so the choice is a pure function of the seed and
 * the number of examples. Both parts keep file order.
 *
 * @param train the records that stay in training, ascending
 * @param validation the records held out, ascending
 */
record Holdout(int[] train, int[] validation) {

    /**
     * Splits {@code 0..n-1}.
     *
     * @param n the number of training examples
     * @param count how many to hold out, in {@code [1, n)}
     * @param stream the stream to draw from, {@code context.seeds().child("holdout")}
     * @return the two parts
     */
    static Holdout draw(int n, int count, SeedStream stream) {
        if (count < 1 || count >= n) {
            throw new IllegalArgumentException("cannot hold out " + count + " of " + n);
        }
        int[] permutation = stream.random().permutation(n);
        int[] validation = Arrays.copyOfRange(permutation, 0, count);
        int[] train = Arrays.copyOfRange(permutation, count, n);
        Arrays.sort(validation);
        Arrays.sort(train);
        return new Holdout(train, validation);
    }
}
