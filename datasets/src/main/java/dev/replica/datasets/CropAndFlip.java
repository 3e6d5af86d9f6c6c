package dev.replica.datasets;

import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;

/**
 * Train-time augmentation of the reference study: torchvision's {@code RandomCrop(size, padding)} with
 * black padding (pixel 0 before normalisation, as on a PIL image), then {@code RandomHorizontalFlip(p)}.
 *
 * <p>What one example gets is drawn from its own stream only, in this order: the crop's top offset in
 * the padded image ({@code nextInt(2 * padding + 1)}), its left offset (the same), then the flip
 * ({@code nextBoolean(p)}). That order is part of the results: changing it changes every augmented run.
 */
final class CropAndFlip {

    /** {@code RandomCrop(32, padding=4)} and a flip with probability 0.5. */
    static final CropAndFlip STANDARD = new CropAndFlip(4, 0.5);

    private final int padding;
    private final double flipProbability;

    CropAndFlip(int padding, double flipProbability) {
        if (padding < 0 || !(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("padding " + padding + ", flip probability " + flipProbability);
        }
        this.padding = padding;
        this.flipProbability = flipProbability;
    }

    /**
     * Draws the placement of one example.
     *
     * @param example the example's stream, {@code augment.child(index)}
     * @return where the crop lies and whether it is flipped
     */
    Placement draw(SeedStream example) {
        RandomSource random = example.random();
        int top = random.nextInt(2 * padding + 1);
        int left = random.nextInt(2 * padding + 1);
        boolean flip = random.nextBoolean(flipProbability);
        return new Placement(top - padding, left - padding, flip);
    }

    /**
     * Where an output image is read from: output pixel {@code (y, x)} is source pixel
     * {@code (y + dy, (flip ? w - 1 - x : x) + dx)}, or padding when that lies outside the source.
     *
     * @param dy the vertical shift of the crop
     * @param dx the horizontal shift of the crop
     * @param flip whether the crop is mirrored left to right
     */
    record Placement(int dy, int dx, boolean flip) {

        /** The image as it is. */
        static final Placement IDENTITY = new Placement(0, 0, false);
    }
}
