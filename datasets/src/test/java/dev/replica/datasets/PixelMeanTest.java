package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.Batch;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** He et al. 2016's per-pixel mean ({@code normalization: pixel_mean}). */
class PixelMeanTest {

    private static final int PIXELS = 3 * 32 * 32;

    @TempDir
    Path dir;

    private final Cifar10Plugin plugin = new Cifar10Plugin(URI.create("http://127.0.0.1:9/none.tar.gz"), "0");

    /** Two 3 x 4 x 5 images: pixel {@code 60c + 10y + x + 1}, and all black; the mean is half the first. */
    private static ImageRecords twoImages() {
        int n = 3 * 4 * 5;
        byte[] data = new byte[2 * (1 + n)];
        for (int i = 0; i < n; i++) {
            int c = i / 20;
            int y = i % 20 / 5;
            int x = i % 5;
            data[1 + i] = (byte) (60 * c + 10 * y + x + 1);
        }
        return new ImageRecords(data, 3, 4, 5);
    }

    @Test
    void theMeanIsTakenPixelByPixelOverTheGivenImagesOnly() {
        ImageRecords records = twoImages();
        Normalization both = Normalization.pixelMean(records, new int[] {0, 1});
        Normalization first = Normalization.pixelMean(records, new int[] {0});
        // Channel 1, (y, x) = (2, 3): pixel 60 + 20 + 3 + 1 = 84 in the first image, 0 in the second.
        int at = 2 * 5 + 3;
        assertThat(both.pixelMean()[20 + at]).isEqualTo((float) (84 / 255f / 2.0));
        assertThat(both.value(1, 84, at)).isEqualTo(84 / 255f - (float) (84 / 255f / 2.0));
        assertThat(first.value(1, 84, at)).isZero();
        assertThat(Normalization.CIFAR10.pixelMean()).isNull();
    }

    /**
     * Every shift and flip against the definition: output (c, y, x) is the source pixel (c, y + dy,
     * (flip ? w - 1 - x : x) + dx) scaled to [0, 1] less its mean, or 0 outside the image.
     */
    @Test
    void aPlacedImageIsMeanSubtractedAtItsSourcePixelsAndPaddedWithZero() {
        ImageRecords records = twoImages();
        Normalization n = Normalization.pixelMean(records, new int[] {0, 1});
        int checked = 0;
        for (int dy = -5; dy <= 5; dy++) {
            for (int dx = -6; dx <= 6; dx++) {
                for (boolean flip : new boolean[] {false, true}) {
                    float[] out = new float[60];
                    records.copyTo(0, new CropAndFlip.Placement(dy, dx, flip), n, out, 0);
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < 4; y++) {
                            for (int x = 0; x < 5; x++) {
                                int sy = y + dy;
                                int sx = (flip ? 4 - x : x) + dx;
                                boolean inside = sy >= 0 && sy < 4 && sx >= 0 && sx < 5;
                                float expected = inside
                                        ? (60 * c + 10 * sy + sx + 1) / 255f - n.pixelMean()[c * 20 + sy * 5 + sx]
                                        : 0f;
                                assertThat(out[c * 20 + y * 5 + x])
                                        .as("dy %d dx %d flip %s at (%d, %d, %d)", dy, dx, flip, c, y, x)
                                        .isEqualTo(expected);
                                checked += inside ? 1 : 0;
                            }
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(0);
    }

    @Test
    void theTrainingSplitAveragesToZeroAtEveryPixelAndTheTestSplitUsesItsMean() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), 3, 4);
        DataSplits data = open(root, Map.of("normalization", "pixel_mean", "augment", false));
        Batch train = data.train().batch(allOf(15), null);
        double[] sums = new double[PIXELS];
        for (int k = 0; k < train.size(); k++) {
            for (int i = 0; i < PIXELS; i++) {
                sums[i] += train.features()[k * PIXELS + i];
            }
        }
        for (int i = 0; i < PIXELS; i++) {
            assertThat(Math.abs(sums[i])).as("pixel %d", i).isLessThan(1e-5);
        }
        float[] mean = mean(allOf(15));
        Batch test = data.test().batch(new int[] {1}, null);
        int g = 5 * 3 + 1;
        assertThat(test.features()[1024 + 33]).isEqualTo(Cifar10Fixture.pixel(g, 1, 1, 1) / 255f - mean[1024 + 33]);
    }

    @Test
    void withAHoldoutTheMeanIsThatOfTheExamplesKeptForTraining() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), 3, 4);
        DataSplits data = open(
                root, Map.of("normalization", "pixel_mean", "augment", false, "validation", "holdout", "holdout", 5));
        Holdout parts = Holdout.draw(15, 5, SeedStream.root(0).child("data").child("holdout"));
        float[] kept = mean(parts.train());
        assertThat(kept).as("the kept examples' mean differs from all 15's").isNotEqualTo(mean(allOf(15)));
        Batch validation = data.validation().batch(new int[] {0}, null);
        int g = parts.validation()[0];
        for (int i = 0; i < PIXELS; i++) {
            assertThat(validation.features()[i])
                    .as("pixel %d", i)
                    .isEqualTo(Cifar10Fixture.pixel(g, i / 1024, i % 1024 / 32, i % 32) / 255f - kept[i]);
        }
    }

    @Test
    void anImageOfTheDatasetsSizeGivesExactlyItsTestExample() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), 3, 4);
        DataSplits data = open(root, Map.of("normalization", "pixel_mean"));
        int g = 5 * 3 + 2;
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image.setRGB(
                        x,
                        y,
                        Cifar10Fixture.pixel(g, 0, y, x) << 16
                                | Cifar10Fixture.pixel(g, 1, y, x) << 8
                                | Cifar10Fixture.pixel(g, 2, y, x));
            }
        }
        assertThat(data.imageExample(image))
                .containsExactly(data.test().batch(new int[] {2}, null).features());
    }

    @Test
    void anUnknownNormalizationIsRefused() {
        assertThat(plugin.schema().validate(Map.of("normalization", "pixel")).problems())
                .containsExactly(new ParameterProblem(
                        "normalization", "'pixel' is not allowed; allowed: ['mean_std', 'pixel_mean']"));
    }

    private static int[] allOf(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** The fixture's per-pixel mean over some training records, summed as the plugin sums. */
    private static float[] mean(int[] records) {
        float[] mean = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
            double s = 0;
            for (int g : records) {
                s += Cifar10Fixture.pixel(g, i / 1024, i % 1024 / 32, i % 32) / 255f;
            }
            mean[i] = (float) (s / records.length);
        }
        return mean;
    }

    private DataSplits open(Path root, Map<String, Object> params) {
        Map<String, Object> all = new LinkedHashMap<>(params);
        all.put("root", root.toString());
        Params p = plugin.schema().validate(all).orElseThrow();
        return plugin.open(
                p, new DataContext(dir.resolve("data-root"), SeedStream.root(0).child("data")));
    }
}
