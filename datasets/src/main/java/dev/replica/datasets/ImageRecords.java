package dev.replica.datasets;

import java.util.Arrays;

/**
 * Labelled 8-bit images held in one byte array in the CIFAR-10 binary layout: each record is a label
 * byte followed by the channel planes, each a row-major {@code height x width} plane. Immutable once
 * made; the array is never exposed.
 */
final class ImageRecords {

    private final byte[] data;
    private final int channels;
    private final int height;
    private final int width;
    private final int recordLength;
    private final int count;

    /**
     * Wraps records; the array is taken over, not copied.
     *
     * @param data whole records
     * @param channels the channels per image
     * @param height the rows per image
     * @param width the columns per image
     */
    ImageRecords(byte[] data, int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.recordLength = recordLength(channels, height, width);
        if (data.length % recordLength != 0) {
            throw new IllegalArgumentException(
                    data.length + " bytes is not a whole number of " + recordLength + "-byte records");
        }
        this.data = data;
        this.count = data.length / recordLength;
    }

    /**
     * Returns the bytes of one record: a label byte and the pixels.
     *
     * @param channels the channels per image
     * @param height the rows per image
     * @param width the columns per image
     * @return the record length
     */
    static int recordLength(int channels, int height, int width) {
        return 1 + channels * height * width;
    }

    int count() {
        return count;
    }

    int channels() {
        return channels;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    /** The values of one image. */
    int pixelsPerImage() {
        return channels * height * width;
    }

    /** The label of a record, as the unsigned label byte. */
    int label(int record) {
        return data[record * recordLength] & 0xFF;
    }

    /**
     * Writes one image, placed and normalised, as {@code channels x height x width} floats. Pixels that
     * the placement takes from outside the image are black (pixel 0, normalised; 0 with a per-pixel mean).
     *
     * @param record the record
     * @param placement the crop and flip, {@link CropAndFlip.Placement#IDENTITY} for none
     * @param normalization the per-channel tables
     * @param out the destination
     * @param offset where the image starts in {@code out}
     */
    void copyTo(int record, CropAndFlip.Placement placement, Normalization normalization, float[] out, int offset) {
        int base = record * recordLength + 1;
        int dy = placement.dy();
        int dx = placement.dx();
        boolean flip = placement.flip();
        // Output x reads source x + dx, or width - 1 - x + dx when flipped: the columns [from, to) read
        // inside the image, the others are padding. Found once, so the pixel loops have no branch.
        int from = Math.min(width, flip ? Math.max(0, dx) : Math.max(0, -dx));
        int to = Math.max(from, flip ? Math.min(width, width + dx) : Math.min(width, width - dx));
        float[] mean = normalization.pixelMean();
        for (int c = 0; c < channels; c++) {
            float[] table = normalization.table(c);
            float pad = table[0];
            int plane = base + c * height * width;
            for (int y = 0; y < height; y++) {
                int o = offset + (c * height + y) * width;
                int sy = y + dy;
                if (sy < 0 || sy >= height) {
                    Arrays.fill(out, o, o + width, pad);
                    continue;
                }
                Arrays.fill(out, o, o + from, pad);
                Arrays.fill(out, o + to, o + width, pad);
                int row = plane + sy * width;
                if (flip) {
                    for (int x = from, src = row + width - 1 - from + dx; x < to; x++, src--) {
                        out[o + x] = table[data[src] & 0xFF];
                    }
                } else {
                    for (int x = from, src = row + from + dx; x < to; x++, src++) {
                        out[o + x] = table[data[src] & 0xFF];
                    }
                }
                if (mean != null) {
                    // The mean of the source pixel: the image is mean-subtracted before it is placed.
                    int m = (c * height + sy) * width;
                    for (int x = from; x < to; x++) {
                        out[o + x] -= mean[m + (flip ? width - 1 - x : x) + dx];
                    }
                }
            }
        }
    }
}
