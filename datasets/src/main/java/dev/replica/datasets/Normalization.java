package dev.replica.datasets;

import java.util.Arrays;

/**
 * Per-channel normalisation of 8-bit pixels, {@code (pixel / 255 - mean[c]) / std[c]}, computed in
 * float arithmetic as torchvision's {@code ToTensor} + {@code Normalize} do, and held as one lookup
 * table of 256 values per channel so that assembling a batch allocates nothing per pixel. Or He et
 * al. 2016's per-pixel mean: {@code pixel / 255 - mean[c, y, x]}, the mean of that pixel over the
 * training images, where padding is 0 (mean-subtracted black, as the paper pads after subtracting).
 */
final class Normalization {

    /** The constants of the reference study (docs/design.md, section 6). */
    static final Normalization CIFAR10 =
            new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});

    private final float[][] tables;

    /** The per-pixel means, {@code channels x height x width}; {@code null} for per-channel only. */
    private final float[] pixelMean;

    Normalization(float[] mean, float[] std) {
        this(mean, std, null);
    }

    private Normalization(float[] mean, float[] std, float[] pixelMean) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException(mean.length + " means but " + std.length + " deviations");
        }
        tables = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            for (int p = 0; p < 256; p++) {
                tables[c][p] = (p / 255f - mean[c]) / std[c];
            }
        }
        this.pixelMean = pixelMean;
    }

    /**
     * He et al. 2016's normalisation: each pixel, scaled to [0, 1], less its mean over some images.
     *
     * @param records the images
     * @param rows the images the mean is taken over (the training split's), not empty
     * @return the normalisation
     */
    static Normalization pixelMean(ImageRecords records, int[] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("a per-pixel mean needs at least one image");
        }
        int n = records.pixelsPerImage();
        double[] sums = new double[n];
        float[] image = new float[n];
        float[] zero = new float[records.channels()];
        float[] one = new float[records.channels()];
        Arrays.fill(one, 1f);
        Normalization scale = new Normalization(zero, one);
        for (int r : rows) {
            records.copyTo(r, CropAndFlip.Placement.IDENTITY, scale, image, 0);
            for (int i = 0; i < n; i++) {
                sums[i] += image[i];
            }
        }
        float[] mean = new float[n];
        for (int i = 0; i < n; i++) {
            mean[i] = (float) (sums[i] / rows.length);
        }
        return new Normalization(zero, one, mean);
    }

    /**
     * Returns the number of channels.
     *
     * @return the channel count
     */
    int channels() {
        return tables.length;
    }

    /**
     * Returns the normalised value of one pixel.
     *
     * @param channel the channel
     * @param pixel the pixel, 0-255
     * @return the value
     */
    float value(int channel, int pixel) {
        return tables[channel][pixel];
    }

    /**
     * Returns the normalised value of one pixel at its place in the image.
     *
     * @param channel the channel
     * @param pixel the pixel, 0-255
     * @param position {@code y * width + x}
     * @return the value
     */
    float value(int channel, int pixel, int position) {
        float v = tables[channel][pixel];
        return pixelMean == null ? v : v - pixelMean[channel * (pixelMean.length / tables.length) + position];
    }

    /** The table of one channel, indexed by the unsigned pixel; callers must not change it. */
    float[] table(int channel) {
        return tables[channel];
    }

    /** The per-pixel means, {@code channels x height x width}, or {@code null}; callers must not change them. */
    float[] pixelMean() {
        return pixelMean;
    }
}
