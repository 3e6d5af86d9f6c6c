package dev.replica.datasets;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

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
 * @param classNames the name of each class, by label
 * @param normalization how pixels become features
 */
record ImageSplits(
        int classes,
        Shape exampleShape,
        ExampleSet train,
        ExampleSet validation,
        ExampleSet test,
        String validationSource,
        Map<String, String> provenance,
        List<String> classNames,
        Normalization normalization)
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
     * @param pixelMean whether to subtract the training split's per-pixel mean (He et al. 2016) instead
     *     of normalising with the study's per-channel constants
     * @param provenance facts about the data
     * @return the splits
     */
    static ImageSplits of(
            List<String> classNames,
            ImageRecords train,
            ImageRecords test,
            int holdout,
            SeedStream holdoutStream,
            CropAndFlip augmentation,
            boolean pixelMean,
            Map<String, String> provenance) {
        int classes = classNames.size();
        Shape shape = new Shape(train.channels(), train.height(), train.width());
        if (holdout == 0) {
            Normalization n = pixelMean
                    ? Normalization.pixelMean(
                            train, IntStream.range(0, train.count()).toArray())
                    : Normalization.CIFAR10;
            ImageExamples testSet = ImageExamples.all(test, n, null);
            return new ImageSplits(
                    classes,
                    shape,
                    ImageExamples.all(train, n, augmentation),
                    testSet,
                    testSet,
                    "test",
                    provenance,
                    classNames,
                    n);
        }
        Holdout parts = Holdout.draw(train.count(), holdout, holdoutStream);
        Normalization n = pixelMean ? Normalization.pixelMean(train, parts.train()) : Normalization.CIFAR10;
        return new ImageSplits(
                classes,
                shape,
                new ImageExamples(train, parts.train(), n, augmentation),
                new ImageExamples(train, parts.validation(), n, null),
                ImageExamples.all(test, n, null),
                "holdout:" + holdout,
                provenance,
                classNames,
                n);
    }

    /**
     * An image of the examples' size is taken pixel for pixel, so a test image saved as PNG gives exactly
     * its test example. Another size is scaled (bilinear) until its shorter side fits, then centre-cropped.
     * Transparent pixels are composed over black; grey images repeat their one channel.
     */
    @Override
    public float[] imageExample(BufferedImage image) {
        return imageExample(image, exampleShape, normalization);
    }

    /** {@link #imageExample(BufferedImage)} for a shape and normalisation, with no data open. */
    static float[] imageExample(BufferedImage image, Shape exampleShape, Normalization normalization) {
        int height = (int) exampleShape.get(1);
        int width = (int) exampleShape.get(2);
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            if (image.getWidth() == width && image.getHeight() == height) {
                g.drawImage(image, 0, 0, null);
            } else {
                double scale = Math.max((double) width / image.getWidth(), (double) height / image.getHeight());
                int scaledWidth = (int) Math.ceil(image.getWidth() * scale);
                int scaledHeight = (int) Math.ceil(image.getHeight() * scale);
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(
                        image, (width - scaledWidth) / 2, (height - scaledHeight) / 2, scaledWidth, scaledHeight, null);
            }
        } finally {
            g.dispose();
        }
        int plane = height * width;
        float[] features = new float[normalization.channels() * plane];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int pixel = rgb.getRGB(x, y);
                int at = y * width + x;
                features[at] = normalization.value(0, (pixel >> 16) & 0xff, at);
                features[plane + at] = normalization.value(1, (pixel >> 8) & 0xff, at);
                features[2 * plane + at] = normalization.value(2, pixel & 0xff, at);
            }
        }
        return features;
    }
}
