package dev.replica.api;

import ai.djl.ndarray.types.Shape;
import java.util.Map;

/** An opened dataset: its splits, shapes and provenance. */
public interface DataSplits {

    /**
     * Returns the number of classes.
     *
     * @return the class count, at least 2
     */
    int classes();

    /**
     * Returns the shape of one example, e.g. {@code (3, 32, 32)}.
     *
     * @return the shape, never {@code null}
     */
    Shape exampleShape();

    /**
     * Returns the training split (augmented when a stream is passed to {@link ExampleSet#batch}).
     *
     * @return the split, never {@code null}
     */
    ExampleSet train();

    /**
     * Returns the split validated on each epoch: the test split itself or one held out of training.
     *
     * @return the split, never {@code null}
     */
    ExampleSet validation();

    /**
     * Returns the test split.
     *
     * @return the split, never {@code null}
     */
    ExampleSet test();

    /**
     * Returns where the validation split comes from, e.g. {@code test} or {@code holdout:5000}.
     *
     * @return a short description, never {@code null}
     */
    String validationSource();

    /**
     * Returns what a reader needs to trust the data: file hashes, whether they are official bytes.
     *
     * @return sorted key-value pairs, never {@code null}
     */
    Map<String, String> provenance();
}
