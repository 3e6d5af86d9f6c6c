package dev.replica.api;

import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * A batch as plain Java arrays, so that data never depends on an engine.
 *
 * @param features the examples in row-major order of {@code shape}
 * @param shape the batch shape, e.g. {@code (N, 3, 32, 32)}
 * @param labels the class of each example
 */
public record Batch(float[] features, Shape shape, int[] labels) {

    /** Checks that the arrays match the shape. */
    public Batch {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(labels, "labels");
        if (shape.size() != features.length || shape.get(0) != labels.length) {
            throw new IllegalArgumentException(
                    "batch of shape " + shape + " has " + features.length + " values and " + labels.length + " labels");
        }
    }

    /**
     * Returns the number of examples.
     *
     * @return the batch size
     */
    public int size() {
        return labels.length;
    }

    /**
     * Returns the number of batches (steps) an epoch of {@code examples} takes at a batch size, the last,
     * partial batch kept.
     *
     * @param examples training examples
     * @param batchSize examples per batch
     * @return the count
     */
    public static int perEpoch(int examples, int batchSize) {
        return (examples + batchSize - 1) / batchSize;
    }
}
