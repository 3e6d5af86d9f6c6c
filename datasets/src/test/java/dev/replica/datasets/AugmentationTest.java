package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.Batch;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {

    private static final int PIXELS = 3 * 32 * 32;

    /** A 3 x 4 x 5 image whose pixel is {@code 60c + 10y + x + 1}. */
    private static ImageRecords handMade() {
        byte[] data = new byte[1 + 3 * 4 * 5];
        data[0] = 2;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    data[1 + (c * 4 + y) * 5 + x] = (byte) (60 * c + 10 * y + x + 1);
                }
            }
        }
        return new ImageRecords(data, 3, 4, 5);
    }

    /** Places the hand-made image and maps each value back to its raw pixel (0 where padded). */
    private static int[][][] place(CropAndFlip.Placement placement) {
        float[] out = new float[60];
        handMade().copyTo(0, placement, Normalization.CIFAR10, out, 0);
        int[][][] raw = new int[3][4][5];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    float v = out[(c * 4 + y) * 5 + x];
                    int p = 0;
                    while (Normalization.CIFAR10.value(c, p) != v) {
                        p++;
                    }
                    raw[c][y][x] = p;
                }
            }
        }
        return raw;
    }

    /**
     * Every shift, past the image's edges too, with and without the flip, against the definition:
     * output (c, y, x) is pixel (c, y + dy, (flip ? w - 1 - x : x) + dx), or 0 outside the image.
     */
    @Test
    void everyPlacementFollowsTheDefinitionPixelByPixel() {
        for (int dy = -5; dy <= 5; dy++) {
            for (int dx = -6; dx <= 6; dx++) {
                for (boolean flip : new boolean[] {false, true}) {
                    int[][][] placed = place(new CropAndFlip.Placement(dy, dx, flip));
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < 4; y++) {
                            for (int x = 0; x < 5; x++) {
                                int sy = y + dy;
                                int sx = (flip ? 4 - x : x) + dx;
                                int expected = sy < 0 || sy >= 4 || sx < 0 || sx >= 5 ? 0 : 60 * c + 10 * sy + sx + 1;
                                assertThat(placed[c][y][x])
                                        .as("dy %d dx %d flip %s at (%d, %d, %d)", dy, dx, flip, c, y, x)
                                        .isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void identityPlacementKeepsTheImage() {
        assertThat(place(CropAndFlip.Placement.IDENTITY)[1]).isEqualTo(new int[][] {
            {61, 62, 63, 64, 65},
            {71, 72, 73, 74, 75},
            {81, 82, 83, 84, 85},
            {91, 92, 93, 94, 95}
        });
    }

    @Test
    void flipMirrorsEachRow() {
        assertThat(place(new CropAndFlip.Placement(0, 0, true))[0]).isEqualTo(new int[][] {
            {5, 4, 3, 2, 1},
            {15, 14, 13, 12, 11},
            {25, 24, 23, 22, 21},
            {35, 34, 33, 32, 31}
        });
    }

    @Test
    void cropShiftsTheWindowAndPadsWithBlack() {
        // the window starts one row above and two columns left of the image: its top row and left columns are padding
        assertThat(place(new CropAndFlip.Placement(-1, -2, false))[2]).isEqualTo(new int[][] {
            {0, 0, 0, 0, 0},
            {0, 0, 121, 122, 123},
            {0, 0, 131, 132, 133},
            {0, 0, 141, 142, 143}
        });
    }

    @Test
    void cropThenFlipMirrorsTheCroppedWindow() {
        // torchvision order: crop rows 1..4 and columns 2..6 of the image (5 and 6 are padding), then mirror
        assertThat(place(new CropAndFlip.Placement(1, 2, true))[0]).isEqualTo(new int[][] {
            {0, 0, 15, 14, 13},
            {0, 0, 25, 24, 23},
            {0, 0, 35, 34, 33},
            {0, 0, 0, 0, 0}
        });
    }

    @Test
    void drawsTopThenLeftThenFlipFromTheExamplesOwnStream() {
        SeedStream example = SeedStream.root(3).child("data/augment").child(2).child(17);
        RandomSource r = example.random();
        CropAndFlip.Placement expected =
                new CropAndFlip.Placement(r.nextInt(9) - 4, r.nextInt(9) - 4, r.nextBoolean(0.5));

        assertThat(CropAndFlip.STANDARD.draw(example)).isEqualTo(expected);
    }

    @Test
    void drawsAreGoldenValues() {
        SeedStream epoch = SeedStream.root(0).child("data/augment").child(1);
        // changing these changes every augmented run: only with a new format version
        assertThat(CropAndFlip.STANDARD.draw(epoch.child(0))).isEqualTo(new CropAndFlip.Placement(0, 1, true));
        assertThat(CropAndFlip.STANDARD.draw(epoch.child(1))).isEqualTo(new CropAndFlip.Placement(-1, 0, true));
        assertThat(CropAndFlip.STANDARD.draw(epoch.child(2))).isEqualTo(new CropAndFlip.Placement(2, -2, false));
        assertThat(CropAndFlip.STANDARD.draw(epoch.child(3))).isEqualTo(new CropAndFlip.Placement(4, 0, false));
    }

    @Test
    void drawsCoverEveryOffsetAndFlipAboutHalfTheTime() {
        SeedStream epoch = SeedStream.root(1).child("data/augment").child(1);
        Set<Integer> dy = new HashSet<>();
        Set<Integer> dx = new HashSet<>();
        int flips = 0;
        for (int i = 0; i < 4000; i++) {
            CropAndFlip.Placement p = CropAndFlip.STANDARD.draw(epoch.child(i));
            dy.add(p.dy());
            dx.add(p.dx());
            flips += p.flip() ? 1 : 0;
        }
        assertThat(dy).containsExactlyInAnyOrder(-4, -3, -2, -1, 0, 1, 2, 3, 4);
        assertThat(dx).containsExactlyInAnyOrder(-4, -3, -2, -1, 0, 1, 2, 3, 4);
        assertThat(flips).isBetween(1800, 2200);
    }

    private static DataSplits synthetic(boolean augment) {
        SyntheticPlugin plugin = new SyntheticPlugin();
        return plugin.open(
                plugin.schema()
                        .validate(Map.of("train_size", 20, "test_size", 6, "augment", augment))
                        .orElseThrow(),
                new DataContext(Path.of("unused"), SeedStream.root(5).child("data")));
    }

    private static float[] example(Batch batch, int k) {
        return Arrays.copyOfRange(batch.features(), k * PIXELS, (k + 1) * PIXELS);
    }

    @Test
    void augmentationOfAnExampleDependsOnlyOnSeedEpochAndIndexNotOnTheBatch() {
        DataSplits data = synthetic(true);
        SeedStream epoch3 = SeedStream.root(5).child("data/augment").child(3);

        Batch big = data.train().batch(new int[] {4, 11, 7, 0, 19}, epoch3);
        Batch small = data.train().batch(new int[] {7}, epoch3);
        Batch reordered = synthetic(true)
                .train()
                .batch(
                        new int[] {0, 7, 4},
                        SeedStream.root(5).child("data/augment").child(3));

        assertThat(example(small, 0)).isEqualTo(example(big, 2));
        assertThat(example(reordered, 1)).isEqualTo(example(big, 2));
        assertThat(example(reordered, 0)).isEqualTo(example(big, 3));
        assertThat(example(reordered, 2)).isEqualTo(example(big, 0));
    }

    @Test
    void augmentedExampleIsTheSharedCropAndFlipOfItsOwnStream() {
        DataSplits data = synthetic(true);
        DataSplits plain = synthetic(false);
        SeedStream epoch = SeedStream.root(5).child("data/augment").child(2);
        ImageExamples train = (ImageExamples) plain.train();

        Batch augmented = data.train().batch(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, epoch);
        Batch raw = train.batch(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, null);

        int changed = 0;
        for (int i = 0; i < 8; i++) {
            CropAndFlip.Placement p = CropAndFlip.STANDARD.draw(epoch.child(i));
            float[] expected = place(example(raw, i), p);
            assertThat(example(augmented, i)).as("example %d, %s", i, p).isEqualTo(expected);
            changed += p.equals(CropAndFlip.Placement.IDENTITY) ? 0 : 1;
        }
        assertThat(changed).isPositive();
        assertThat(example(
                        data.train()
                                .batch(
                                        new int[] {3},
                                        SeedStream.root(5).child("data/augment").child(9)),
                        0))
                .as("another epoch draws again")
                .isNotEqualTo(example(augmented, 3));
    }

    /** A reference implementation on normalised values: out(c, y, x) = in(c, y + dy, (flip ? 31 - x : x) + dx). */
    private static float[] place(float[] image, CropAndFlip.Placement p) {
        float[] out = new float[PIXELS];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int sy = y + p.dy();
                    int sx = (p.flip() ? 31 - x : x) + p.dx();
                    boolean inside = sy >= 0 && sy < 32 && sx >= 0 && sx < 32;
                    out[c * 1024 + y * 32 + x] =
                            inside ? image[c * 1024 + sy * 32 + sx] : Normalization.CIFAR10.value(c, 0);
                }
            }
        }
        return out;
    }

    @Test
    void withoutAStreamOrOnEvaluationSplitsNothingIsAugmented() {
        DataSplits data = synthetic(true);
        DataSplits plain = synthetic(false);
        SeedStream epoch = SeedStream.root(5).child("data/augment").child(1);
        int[] all = {0, 1, 2, 3, 4, 5};

        assertThat(data.train().batch(all, null).features())
                .isEqualTo(plain.train().batch(all, null).features());
        assertThat(data.test().batch(all, epoch).features())
                .isEqualTo(plain.test().batch(all, null).features());
        assertThat(plain.train().batch(all, epoch).features())
                .isEqualTo(plain.train().batch(all, null).features());
    }
}
