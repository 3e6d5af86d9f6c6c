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
     * does not depend on batch size or order. The trainer makes the next step's batch on another thread
     * while the engine trains, so this must be safe to call from any thread, also while another call runs
     * (a batch is a pure function of its arguments, so reading shared, unchanging data is enough).
     *
     * @param indices example indices, each in {@code [0, size())}
     * @param augment the epoch's augmentation stream, or {@code null} for none (evaluation)
     * @return the batch, never {@code null}
     */
    Batch batch(int[] indices, SeedStream augment);
}
