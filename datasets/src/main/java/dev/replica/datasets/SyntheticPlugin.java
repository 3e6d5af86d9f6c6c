package dev.replica.datasets;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import java.awt.image.BufferedImage;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A small, learnable image dataset made in Java from the seed, for tests: each class has a fixed random
 * prototype (a colour per channel plus a low-frequency wave) and each example is its class's prototype
 * plus Gaussian noise, as 8-bit RGB pixels normalised like CIFAR-10.
 *
 * <p>Everything is drawn from {@code context.seeds().child("synthetic")}: prototype {@code k} from
 * {@code prototype/<k>}, training example {@code i} from {@code train/<i>} and test example {@code i}
 * from {@code test/<i>}; example {@code i} has class {@code i mod classes}. The generator is part of the
 * results; the provenance records the md5 of the pixels it made.
 */
public final class SyntheticPlugin implements DatasetPlugin {

    /** The version of the generator, recorded in the provenance. */
    static final String GENERATOR = "prototype-wave-noise-1";

    /** The most examples of a split: twenty times CIFAR-10's training set, more than a test needs. */
    private static final int MAX_EXAMPLES = 1_000_000;

    /** The largest Java array: each split's records are one. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final double NOISE = 32.0;
    private static final double WAVE = 40.0;

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
                    ParameterSpec.integer("train_size", "training examples")
                            .withDefault(256)
                            .atLeast(1)
                            .atMost(MAX_EXAMPLES),
                    ParameterSpec.integer("test_size", "test examples")
                            .withDefault(64)
                            .atLeast(1)
                            .atMost(MAX_EXAMPLES),
                    ParameterSpec.integer("classes", "number of classes")
                            .withDefault(10)
                            .atLeast(2)
                            .atMost(256),
                    ParameterSpec.integer("image_size", "height and width; examples are (3, s, s)")
                            .withDefault(32)
                            .atLeast(1)
                            .atMost(512),
                    ParameterSpec.string("validation", "validate on the test split or on examples held out of training")
                            .withDefault("test")
                            .allowing("test", "holdout"),
                    ParameterSpec.integer("holdout", "training examples held out when validation is holdout")
                            .withDefault(32)
                            .atLeast(1)
                            .atMost(MAX_EXAMPLES),
                    ParameterSpec.bool("augment", "random crop (padding 4) and horizontal flip of training examples")
                            .withDefault(false))
            .withCheck(SyntheticPlugin::holdoutBelowTrainSize)
            .withCheck(SyntheticPlugin::splitsFitAnArray);

    @Override
    public String name() {
        return "synthetic";
    }

    @Override
    public String description() {
        return "a small learnable dataset made from the seed (class prototypes plus noise), for tests";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public OptionalInt classes(Params params) {
        return OptionalInt.of(params.getInt("classes"));
    }

    @Override
    public Optional<List<String>> classNames(Params params) {
        return Optional.of(names(params.getInt("classes")));
    }

    @Override
    public Optional<Function<BufferedImage, float[]>> imageExamples(Params params) {
        Shape shape = new Shape(3, params.getInt("image_size"), params.getInt("image_size"));
        return Optional.of(image -> ImageSplits.imageExample(image, shape, Normalization.CIFAR10));
    }

    private static List<String> names(int classes) {
        return IntStream.range(0, classes).mapToObj(c -> "class" + c).toList();
    }

    @Override
    public DataSplits open(Params params, DataContext context) {
        int classes = params.getInt("classes");
        int side = params.getInt("image_size");
        SeedStream seeds = context.seeds().child("synthetic");
        double[][] prototypes = prototypes(seeds.child("prototype"), classes, side);
        byte[] train = examples(seeds.child("train"), params.getInt("train_size"), prototypes, side);
        byte[] test = examples(seeds.child("test"), params.getInt("test_size"), prototypes, side);
        MessageDigest md5 = Cifar10Files.md5();
        md5.update(train);
        md5.update(test);
        Map<String, String> provenance = Map.of(
                "synthetic.generator",
                GENERATOR,
                "synthetic.md5",
                HexFormat.of().formatHex(md5.digest()));
        int holdout = params.getString("validation").equals("holdout") ? params.getInt("holdout") : 0;
        return ImageSplits.of(
                names(classes),
                new ImageRecords(train, 3, side, side),
                new ImageRecords(test, 3, side, side),
                holdout,
                context.seeds().child("holdout"),
                params.getBoolean("augment") ? CropAndFlip.STANDARD : null,
                false,
                provenance);
    }

    /** Per class, the mean of every pixel: a colour per channel plus a wave across the image. */
    private static double[][] prototypes(SeedStream stream, int classes, int side) {
        double[][] prototypes = new double[classes][3 * side * side];
        for (int k = 0; k < classes; k++) {
            RandomSource r = stream.child(k).random();
            for (int c = 0; c < 3; c++) {
                double colour = 64 + 128 * r.nextDouble();
                int fy = r.nextInt(3);
                int fx = r.nextInt(3);
                double phase = 2 * StrictMath.PI * r.nextDouble();
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        double angle = 2 * StrictMath.PI * (fy * y + fx * x) / side + phase;
                        prototypes[k][(c * side + y) * side + x] = colour + WAVE * StrictMath.sin(angle);
                    }
                }
            }
        }
        return prototypes;
    }

    /** Records in the CIFAR-10 layout: example {@code i} is prototype {@code i mod classes} plus noise. */
    private static byte[] examples(SeedStream stream, int count, double[][] prototypes, int side) {
        int pixels = 3 * side * side;
        int length = ImageRecords.recordLength(3, side, side);
        byte[] data = new byte[Math.multiplyExact(count, length)];
        for (int i = 0; i < count; i++) {
            int label = i % prototypes.length;
            RandomSource r = stream.child(i).random();
            int at = i * length;
            data[at] = (byte) label;
            for (int j = 0; j < pixels; j++) {
                long v = Math.round(prototypes[label][j] + NOISE * r.nextGaussian());
                data[at + 1 + j] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return data;
    }

    /** Each split's records are one byte array: its size, in long, must fit one before it is allocated. */
    private static List<ParameterProblem> splitsFitAnArray(Params p) {
        long record = ImageRecords.recordLength(3, p.getInt("image_size"), p.getInt("image_size"));
        List<ParameterProblem> problems = new ArrayList<>();
        for (String key : List.of("train_size", "test_size")) {
            long bytes = p.getInt(key) * record;
            if (bytes > MAX_ARRAY) {
                problems.add(new ParameterProblem(
                        key,
                        p.getInt(key) + " examples of image_size " + p.getInt("image_size") + " need " + bytes
                                + " bytes, more than one array holds (" + MAX_ARRAY + "); allowed: at most "
                                + MAX_ARRAY / record + " at this image_size"));
            }
        }
        return problems;
    }

    private static List<ParameterProblem> holdoutBelowTrainSize(Params p) {
        int size = p.getInt("train_size");
        int holdout = p.getInt("holdout");
        if (p.getString("validation").equals("holdout") && holdout >= size) {
            return List.of(new ParameterProblem(
                    "holdout", holdout + " is out of range; allowed: < train_size (" + size + ")"));
        }
        return List.of();
    }
}
