package dev.replica.datasets;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The splits of an opened image dataset.
 *
 * @param classes the class count
 * @param exampleShape the shape of one example
 * @param train the training split
 * @param validation the split validated on each epoch
 * @param test the test split
 * @param validationSource {@code test} or {@code holdout:<count>}
 * @param provenance sorted facts about the data
 */
record ImageSplits(
        int classes,
        Shape exampleShape,
        ExampleSet train,
        ExampleSet validation,
        ExampleSet test,
        String validationSource,
        Map<String, String> provenance)
        implements DataSplits {

    /** Keeps a sorted, unmodifiable copy of the provenance. */
    ImageSplits {
        provenance = Collections.unmodifiableSortedMap(new TreeMap<>(provenance));
    }

    /**
     * Builds the splits of one set of training and test images, holding out validation examples when
     * asked to.
     *
     * @param classes the class count
     * @param train the training images
     * @param test the test images
     * @param holdout how many training images to hold out for validation, or 0 to validate on the test split
     * @param holdoutStream where the held-out images are drawn from
     * @param augmentation the training split's augmentation, or {@code null}
     * @param provenance facts about the data
     * @return the splits
     */
    static ImageSplits of(
            int classes,
            ImageRecords train,
            ImageRecords test,
            int holdout,
            SeedStream holdoutStream,
            CropAndFlip augmentation,
            Map<String, String> provenance) {
        Normalization n = Normalization.CIFAR10;
        Shape shape = new Shape(train.channels(), train.height(), train.width());
        ImageExamples testSet = ImageExamples.all(test, n, null);
        if (holdout == 0) {
            return new ImageSplits(
                    classes, shape, ImageExamples.all(train, n, augmentation), testSet, testSet, "test", provenance);
        }
        Holdout parts = Holdout.draw(train.count(), holdout, holdoutStream);
        return new ImageSplits(
                classes,
                shape,
                new ImageExamples(train, parts.train(), n, augmentation),
                new ImageExamples(train, parts.validation(), n, null),
                testSet,
                "holdout:" + holdout,
                provenance);
    }
}
