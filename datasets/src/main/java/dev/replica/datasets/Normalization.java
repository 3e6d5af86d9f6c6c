package dev.replica.datasets;

/**
 * Per-channel normalisation of 8-bit pixels, {@code (pixel / 255 - mean[c]) / std[c]}, computed in
 * float arithmetic as torchvision's {@code ToTensor} + {@code Normalize} do, and held as one lookup
 * table of 256 values per channel so that assembling a batch allocates nothing per pixel.
 */
final class Normalization {

    /** The constants of the reference study (docs/design.md, section 6). */
    static final Normalization CIFAR10 =
            new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});

    private final float[][] tables;

    Normalization(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException(mean.length + " means but " + std.length + " deviations");
        }
        tables = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            for (int p = 0; p < 256; p++) {
                tables[c][p] = (p / 255f - mean[c]) / std[c];
            }
        }
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

    /** The table of one channel, indexed by the unsigned pixel; callers must not change it. */
    float[] table(int channel) {
        return tables[channel];
    }
}
