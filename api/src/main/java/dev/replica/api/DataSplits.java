package dev.replica.api;

import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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

    /**
     * Returns the name of each class, by label.
     *
     * @return {@link #classes()} names; by default the labels themselves, {@code "0"}, {@code "1"}, ...
     */
    default List<String> classNames() {
        return IntStream.range(0, classes()).mapToObj(Integer::toString).toList();
    }

    /**
     * Turns an image into one example as this dataset's test split holds them (size, channel order,
     * normalisation), for prediction on new images.
     *
     * @param image the decoded image, never {@code null}
     * @return the example's features, {@link #exampleShape()} in row-major order
     * @throws UserException when the dataset does not take images
     */
    default float[] imageExample(BufferedImage image) {
        throw new UserException("this dataset does not turn images into examples");
    }
}
