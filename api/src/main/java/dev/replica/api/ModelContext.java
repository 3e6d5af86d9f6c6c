package dev.replica.api;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.seed.SeedNames;
import dev.replica.api.seed.SeedStream;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What a model plugin receives from the run.
 *
 * @param label the model's label in the experiment file, e.g. {@code resnet18}
 * @param initSeeds the stream {@code init/<label>} that all initial weights derive from
 * @param dropoutSeeds the stream {@code dropout/<label>} that dropout masks derive from, per layer and step
 * @param trainingStep the global training step (0-based, counted across epochs), for dropout masks
 * @param exampleShape the shape of one example, e.g. {@code (3, 32, 32)}
 * @param classes the dataset's number of classes, the size of the model's output
 */
public record ModelContext(
        String label,
        SeedStream initSeeds,
        SeedStream dropoutSeeds,
        LongSupplier trainingStep,
        Shape exampleShape,
        int classes) {

    /** Checks that no component is {@code null}. */
    public ModelContext {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(initSeeds, "initSeeds");
        Objects.requireNonNull(dropoutSeeds, "dropoutSeeds");
        Objects.requireNonNull(trainingStep, "trainingStep");
        Objects.requireNonNull(exampleShape, "exampleShape");
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, not " + classes);
        }
    }

    /**
     * A context for a model outside a run (tests, tools): the streams derive from {@code seed} exactly as
     * a run with that seed derives them, and the step is always 0.
     *
     * @param label the model's label
     * @param seed the run seed
     * @param exampleShape the shape of one example
     * @param classes the number of classes, the size of the model's output
     * @return the context
     */
    public static ModelContext of(String label, long seed, Shape exampleShape, int classes) {
        return of(label, seed, exampleShape, classes, () -> 0L);
    }

    /**
     * A context for a model outside a run, with the streams a run with {@code seed} derives.
     *
     * @param label the model's label
     * @param seed the run seed
     * @param exampleShape the shape of one example
     * @param classes the number of classes, the size of the model's output
     * @param trainingStep the global training step, for dropout masks
     * @return the context
     */
    public static ModelContext of(String label, long seed, Shape exampleShape, int classes, LongSupplier trainingStep) {
        SeedStream root = SeedStream.root(seed);
        return new ModelContext(
                label,
                root.child(SeedNames.init(label)),
                root.child(SeedNames.dropout(label)),
                trainingStep,
                exampleShape,
                classes);
    }
}
