package dev.replica.datasets;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;

/**
 * A split made of some of the records of an {@link ImageRecords}: example {@code i} is record
 * {@code rows[i]}. Batches are normalised; when the split has an augmentation and a stream is passed,
 * example {@code i} is cropped and flipped as drawn from {@code augment.child(i)} alone.
 */
final class ImageExamples implements ExampleSet {

    private final ImageRecords records;
    private final int[] rows;
    private final Normalization normalization;
    private final CropAndFlip augmentation;

    /**
     * Creates a split.
     *
     * @param records the images
     * @param rows the record of each example, each in {@code [0, records.count())}; not copied
     * @param normalization the per-channel normalisation, with the records' channel count
     * @param augmentation the augmentation, or {@code null} for a split that is never augmented
     */
    ImageExamples(ImageRecords records, int[] rows, Normalization normalization, CropAndFlip augmentation) {
        if (normalization.channels() != records.channels()) {
            throw new IllegalArgumentException(
                    normalization.channels() + "-channel normalisation for " + records.channels() + "-channel images");
        }
        for (int r : rows) {
            if (r < 0 || r >= records.count()) {
                throw new IllegalArgumentException("record " + r + " of " + records.count());
            }
        }
        this.records = records;
        this.rows = rows;
        this.normalization = normalization;
        this.augmentation = augmentation;
    }

    /**
     * Creates a split of every record, in order.
     *
     * @param records the images
     * @param normalization the per-channel normalisation
     * @param augmentation the augmentation, or {@code null}
     * @return the split
     */
    static ImageExamples all(ImageRecords records, Normalization normalization, CropAndFlip augmentation) {
        int[] rows = new int[records.count()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        return new ImageExamples(records, rows, normalization, augmentation);
    }

    @Override
    public int size() {
        return rows.length;
    }

    @Override
    public Batch batch(int[] indices, SeedStream augment) {
        int perImage = records.pixelsPerImage();
        float[] features = new float[indices.length * perImage];
        int[] labels = new int[indices.length];
        boolean augmenting = augment != null && augmentation != null;
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= rows.length) {
                throw new IndexOutOfBoundsException("example " + i + " of a split of " + rows.length);
            }
            CropAndFlip.Placement placement =
                    augmenting ? augmentation.draw(augment.child(i)) : CropAndFlip.Placement.IDENTITY;
            labels[k] = records.label(rows[i]);
            records.copyTo(rows[i], placement, normalization, features, k * perImage);
        }
        Shape shape = new Shape(indices.length, records.channels(), records.height(), records.width());
        return new Batch(features, shape, labels);
    }
}
