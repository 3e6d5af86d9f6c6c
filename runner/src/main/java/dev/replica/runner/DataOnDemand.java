package dev.replica.runner;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A finished run's data, opened only when an example is needed: its classes, example shape and training
 * size come from what the run recorded, and its class names and image conversion from the dataset's
 * parameters where they tell them, so export and predict build their model without the data being there.
 */
final class DataOnDemand implements DataSplits {

    private final Supplier<DataSplits> open;
    private final int classes;
    private final Shape exampleShape;
    private final int trainSize;
    private final Optional<List<String>> classNames;
    private final Optional<Function<BufferedImage, float[]>> images;
    private DataSplits opened;

    /**
     * Creates the stand-in.
     *
     * @param open opens the data, at most once
     * @param classes the number of classes the run recorded
     * @param exampleShape the example shape it recorded
     * @param trainSize its training examples
     * @param classNames the class names, when the dataset's parameters tell them
     * @param images how an image becomes an example, when the dataset's parameters tell it
     */
    DataOnDemand(
            Supplier<DataSplits> open,
            int classes,
            Shape exampleShape,
            int trainSize,
            Optional<List<String>> classNames,
            Optional<Function<BufferedImage, float[]>> images) {
        this.open = open;
        this.classes = classes;
        this.exampleShape = exampleShape;
        this.trainSize = trainSize;
        this.classNames = classNames;
        this.images = images;
    }

    private DataSplits data() {
        if (opened == null) {
            opened = open.get();
        }
        return opened;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public Shape exampleShape() {
        return exampleShape;
    }

    @Override
    public ExampleSet train() {
        return new ExampleSet() {
            @Override
            public int size() {
                return trainSize;
            }

            @Override
            public Batch batch(int[] indices, SeedStream augment) {
                return data().train().batch(indices, augment);
            }
        };
    }

    @Override
    public ExampleSet validation() {
        return data().validation();
    }

    @Override
    public ExampleSet test() {
        return data().test();
    }

    @Override
    public String validationSource() {
        return data().validationSource();
    }

    @Override
    public Map<String, String> provenance() {
        return data().provenance();
    }

    @Override
    public List<String> classNames() {
        return classNames.orElseGet(() -> data().classNames());
    }

    @Override
    public float[] imageExample(BufferedImage image) {
        return images.isPresent() ? images.get().apply(image) : data().imageExample(image);
    }
}
