package dev.replica.api;

import dev.replica.api.seed.SeedStream;

/** One split of a dataset, addressed by example index. */
public interface ExampleSet {

    /**
     * Returns the number of examples.
     *
     * @return the size, at least 0
     */
    int size();

    /**
     * Assembles a batch of the given examples, normalised and, when {@code augment} is given,
     * augmented. Augmentation of example {@code i} draws only from {@code augment.child(i)}, so it
     * does not depend on batch size or order.
     *
     * @param indices example indices, each in {@code [0, size())}
     * @param augment the epoch's augmentation stream, or {@code null} for none (evaluation)
     * @return the batch, never {@code null}
     */
    Batch batch(int[] indices, SeedStream augment);
}
