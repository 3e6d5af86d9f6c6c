package dev.replica.datasets;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * CIFAR-10 from the official binary files ({@code cifar-10-batches-bin}), normalised with the reference
 * study's constants (or He et al. 2016's per-pixel mean) and, on the training split, cropped and
 * flipped (docs/design.md, sections 6 and 7).
 *
 * <p>The files are read whole into memory and hashed; the provenance records each file's md5 and
 * whether all six are the official bytes. When none of the files is there and {@code download} is on,
 * the official archive is fetched, checked against its md5 and unpacked safely first. The folder is
 * otherwise only read.
 */
public final class Cifar10Plugin implements DatasetPlugin {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
                    ParameterSpec.string("root", "folder of the binary files; '' means $REPLICA_DATA/cifar10")
                            .withDefault(""),
                    ParameterSpec.integer("limit", "use only the first N training examples; 0 for all")
                            .withDefault(0)
                            .atLeast(0)
                            .atMost(50_000),
                    ParameterSpec.integer("test_limit", "use only the first N test examples; 0 for all")
                            .withDefault(0)
                            .atLeast(0)
                            .atMost(10_000),
                    ParameterSpec.string(
                                    "validation",
                                    "validate on the test split (as the study did) or on examples held out of training")
                            .withDefault("test")
                            .allowing("test", "holdout"),
                    ParameterSpec.integer("holdout", "training examples held out when validation is holdout")
                            .withDefault(5000)
                            .atLeast(1)
                            .atMost(49_999),
                    ParameterSpec.bool("augment", "random crop (padding 4) and horizontal flip of training examples")
                            .withDefault(true),
                    ParameterSpec.bool("download", "fetch the official archive when the files are absent")
                            .withDefault(true),
                    ParameterSpec.string(
                                    "normalization",
                                    "mean_std: (pixel / 255 - mean) / std per channel, the study's constants; "
                                            + "pixel_mean: pixel / 255 less that pixel's mean over the training "
                                            + "examples, as He et al. 2016 (crops pad with 0)")
                            .withDefault("mean_std")
                            .allowing("mean_std", "pixel_mean"))
            .withCheck(Cifar10Plugin::holdoutBelowLimit);

    private final Cifar10Download download;

    /** Creates the plugin; it downloads from the official address. */
    public Cifar10Plugin() {
        this(Cifar10Download.OFFICIAL_ARCHIVE, Cifar10Download.OFFICIAL_ARCHIVE_MD5);
    }

    /**
     * Creates the plugin with another archive, for tests.
     *
     * @param archive where the archive is
     * @param archiveMd5 its md5, lower-case hex
     */
    Cifar10Plugin(URI archive, String archiveMd5) {
        this.download = new Cifar10Download(archive, archiveMd5);
    }

    @Override
    public String name() {
        return "cifar10";
    }

    @Override
    public String description() {
        return "CIFAR-10 from the official binary files, normalised, with crop and flip on training";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public OptionalInt classes(Params params) {
        return OptionalInt.of(Cifar10Files.CLASSES);
    }

    @Override
    public Optional<List<String>> classNames(Params params) {
        return Optional.of(Cifar10Files.CLASS_NAMES);
    }

    @Override
    public Optional<Function<BufferedImage, float[]>> imageExamples(Params params) {
        Shape shape = new Shape(Cifar10Files.CHANNELS, Cifar10Files.SIDE, Cifar10Files.SIDE);
        return Optional.of(image -> ImageSplits.imageExample(image, shape, Normalization.CIFAR10));
    }

    @Override
    public DataSplits open(Params params, DataContext context) {
        String rootParam = params.getString("root");
        Path root = (rootParam.isEmpty() ? context.dataRoot().resolve("cifar10") : Path.of(rootParam))
                .toAbsolutePath()
                .normalize();
        ensureFiles(root, !rootParam.isEmpty(), params.getBoolean("download"));

        Cifar10Files.Read train = Cifar10Files.read(root, Cifar10Files.TRAIN, params.getInt("limit"));
        Cifar10Files.Read test = Cifar10Files.read(root, List.of(Cifar10Files.TEST), params.getInt("test_limit"));

        int holdout = params.getString("validation").equals("holdout") ? params.getInt("holdout") : 0;
        int n = train.images().count();
        if (holdout >= n) {
            throw new UserException("dataset.params.holdout is " + holdout + " but only " + n
                    + " training examples are used; allowed: fewer than the training examples");
        }
        return ImageSplits.of(
                Cifar10Files.CLASS_NAMES,
                train.images(),
                test.images(),
                holdout,
                context.seeds().child("holdout"),
                params.getBoolean("augment") ? CropAndFlip.STANDARD : null,
                params.getString("normalization").equals("pixel_mean"),
                provenance(root, train, test));
    }

    private void ensureFiles(Path root, boolean explicitRoot, boolean downloadAllowed) {
        // A device or FIFO is no folder either: listing or downloading into it would hang or fail oddly.
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new UserException("CIFAR-10's folder " + root + " is "
                    + (Files.isRegularFile(root) ? "a file" : "a device, FIFO or socket, not a folder")
                    + "; give the folder that holds " + String.join(", ", Cifar10Files.REQUIRED));
        }
        for (String name : Cifar10Files.REQUIRED) {
            if (Files.isDirectory(root.resolve(name))) {
                throw new UserException(
                        root.resolve(name) + " is a folder; CIFAR-10 needs the binary file of that " + "name there");
            }
        }
        List<String> missing = Cifar10Files.missing(root);
        if (missing.isEmpty()) {
            return;
        }
        String outcome;
        if (!downloadAllowed) {
            outcome = "download is off (dataset.params.download: false)";
        } else if (missing.size() < Cifar10Files.REQUIRED.size()) {
            List<String> present = new ArrayList<>(Cifar10Files.REQUIRED);
            present.removeAll(missing);
            outcome = "no download: the folder already holds " + String.join(", ", present)
                    + "; add the missing files or empty the folder";
        } else {
            try {
                download.install(root, Cifar10Files.REQUIRED);
                outcome = null;
            } catch (Cifar10Download.Failure e) {
                outcome = "download failed: " + e.getMessage();
            }
        }
        if (outcome == null && Cifar10Files.missing(root).isEmpty()) {
            return;
        }
        String remedy = explicitRoot
                ? "put the official binary files (cifar-10-batches-bin) there or set dataset.params.root"
                : "put the official binary files (cifar-10-batches-bin) there, set dataset.params.root, "
                        + "or set REPLICA_DATA";
        throw new UserException("CIFAR-10 not found in " + root + ": missing " + String.join(", ", missing) + "; "
                + remedy + "; " + (outcome == null ? "the download did not install them" : outcome));
    }

    private static Map<String, String> provenance(Path root, Cifar10Files.Read train, Cifar10Files.Read test) {
        Map<String, String> p = new TreeMap<>();
        List<String> unofficial = new ArrayList<>();
        long records = 0;
        List<Cifar10Files.FileFacts> files = new ArrayList<>(train.files());
        files.addAll(test.files());
        for (Cifar10Files.FileFacts f : files) {
            p.put("cifar10.md5." + f.name(), f.md5());
            records += f.records();
            if (!f.md5().equals(Cifar10Files.OFFICIAL_MD5.get(f.name()))) {
                unofficial.add(f.name());
            }
        }
        p.put("cifar10.root", root.toString());
        p.put("cifar10.files", Integer.toString(files.size()));
        p.put("cifar10.records", Long.toString(records));
        p.put("cifar10.official", Boolean.toString(unofficial.isEmpty()));
        p.put("cifar10.unofficial_files", unofficial.isEmpty() ? "none" : String.join(", ", unofficial));
        return p;
    }

    private static List<ParameterProblem> holdoutBelowLimit(Params p) {
        int limit = p.getInt("limit");
        int holdout = p.getInt("holdout");
        if (p.getString("validation").equals("holdout") && limit > 0 && holdout >= limit) {
            return List.of(
                    new ParameterProblem("holdout", holdout + " is out of range; allowed: < limit (" + limit + ")"));
        }
        return List.of();
    }
}
