package dev.replica.core.record;

import dev.replica.api.UserException;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's folder, {@code <out>/<name>/<timestamp>-<id>/}, and the one place its files are named. A new run
 * always gets a new folder, created atomically, so nothing already written is ever overwritten.
 *
 * <pre>
 * experiment.yaml   the resolved experiment          manifest.json  provenance and results
 * .lock             who holds the folder             report.html/.md, plots/   the report
 * summary.csv/.md   the comparison table (per seed folder when the run has several seeds)
 * &lt;label&gt;/[seed-N/]  history.csv, timing.csv, best.params, checkpoint/
 * </pre>
 */
public final class RunFolder {

    /** The resolved experiment file. */
    public static final String EXPERIMENT = "experiment.yaml";
    /** The provenance manifest. */
    public static final String MANIFEST = "manifest.json";
    /** The lock file. */
    public static final String LOCK = ".lock";
    /** The comparison table, machine-readable. */
    public static final String SUMMARY_CSV = "summary.csv";
    /** The comparison table, for reading. */
    public static final String SUMMARY_MD = "summary.md";
    /** The report page. */
    public static final String REPORT = "report.html";
    /** The report as Markdown. */
    public static final String REPORT_MD = "report.md";
    /** The report's plots folder. */
    public static final String PLOTS = "plots";
    /** A model's per-epoch results: only values that are a function of the run. */
    public static final String HISTORY = "history.csv";
    /** A model's per-epoch timings. */
    public static final String TIMING = "timing.csv";
    /** A model's best-validation weights. */
    public static final String BEST_WEIGHTS = "best.params";
    /** A model's checkpoint folder. */
    public static final String CHECKPOINT = "checkpoint";

    /** Experiment names, which are folder names: {@code [a-z0-9][a-z0-9._-]*}. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** Model labels, which are folder names too: {@code [a-z0-9][a-z0-9_-]*}. */
    public static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path path;

    /** The folders that starting this run created, the run folder's parents included, deepest first. */
    private final List<Path> created;

    private RunFolder(Path path, List<Path> created) {
        this.path = path;
        this.created = created;
    }

    /**
     * Starts a run: creates a new run folder for the experiment and writes its resolved file,
     * {@code experiment.yaml}, into it. Run, check and reproduce all start their folders here.
     *
     * @param out the output root, e.g. {@code runs}
     * @param name the experiment's name, the folder under {@code out}
     * @param resolved the resolved experiment file's text
     * @return the folder
     * @throws UserException when the folder or the file cannot be written
     */
    public static RunFolder start(Path out, String name, String resolved) {
        RunFolder folder = create(out, name, sha256(resolved));
        try {
            SafeFiles.writeAtomically(folder.path().resolve(EXPERIMENT), resolved);
        } catch (IOException e) {
            throw new UserException("cannot write " + folder.path().resolve(EXPERIMENT) + ": " + e.getMessage(), e);
        }
        return folder;
    }

    /**
     * Starts a run in a folder of a given name, as a sweep lays out its runs: the folder must not exist.
     *
     * @param folder the run folder to create
     * @param resolved the resolved experiment file's text
     * @return the folder
     * @throws UserException when the folder exists or cannot be written
     */
    public static RunFolder startAt(Path folder, String resolved) {
        if (Files.exists(folder)) {
            throw new UserException(folder + " exists; a new run needs a new folder");
        }
        try {
            Files.createDirectories(folder);
            SafeFiles.writeAtomically(folder.resolve(EXPERIMENT), resolved);
        } catch (IOException e) {
            throw new UserException("cannot create the run folder " + folder + ": " + e.getMessage(), e);
        }
        return new RunFolder(folder, List.of());
    }

    /**
     * Removes the folder when no model trained in it (it holds only its experiment.yaml, manifest and
     * lock), with the parent folders that starting it created: a run refused before it trained (bad data,
     * the determinism probe) leaves nothing behind.
     *
     * @return true when the folder was removed
     */
    public boolean deleteIfOnlyStarted() {
        List<String> startFiles = List.of(EXPERIMENT, MANIFEST, LOCK);
        try (Stream<Path> files = Files.list(path)) {
            List<Path> all = files.toList();
            for (Path p : all) {
                if (!startFiles.contains(p.getFileName().toString()) && !(Files.isDirectory(p) && holdsNoFile(p))) {
                    return false;
                }
            }
            for (Path p : all) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(q);
                    }
                }
            }
            for (Path folder : created.isEmpty() ? List.of(path) : created) {
                try (Stream<Path> left = Files.list(folder)) {
                    if (left.findAny().isPresent()) {
                        break;
                    }
                }
                Files.delete(folder);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a folder holds only folders (a model's, made before it trained anything). */
    private static boolean holdsNoFile(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.allMatch(Files::isDirectory);
        }
    }

    /**
     * Creates a new, empty run folder.
     *
     * @param out the output root, e.g. {@code runs}
     * @param name the experiment's name
     * @param fingerprint the resolved experiment's SHA-256, whose start forms the id
     * @return the folder
     */
    static RunFolder create(Path out, String name, String fingerprint) {
        Path parent = out.resolve(name);
        for (Path p = parent; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new UserException("cannot create a run folder under " + parent + ": " + p
                        + " is a file, not a folder; give --out a folder");
            }
        }
        List<Path> made = new ArrayList<>();
        for (Path p = parent.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            made.add(p);
        }
        try {
            Files.createDirectories(parent);
            String base = LocalDateTime.now().format(STAMP) + "-" + fingerprint.substring(0, 8);
            for (int i = 0; ; i++) {
                Path candidate = parent.resolve(i == 0 ? base : base + "-" + i);
                try {
                    Path run = Files.createDirectory(candidate);
                    made.add(0, run.toAbsolutePath());
                    return new RunFolder(run, List.copyOf(made));
                } catch (FileAlreadyExistsException e) {
                    // a run started in the same second: take the next name
                }
            }
        } catch (IOException e) {
            throw new UserException("cannot create a run folder under " + parent + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens an existing run folder to resume it.
     *
     * @param path the folder
     * @return the folder
     * @throws UserException when it is not a run folder
     */
    public static RunFolder existing(Path path) {
        if (!Files.isRegularFile(path.resolve(EXPERIMENT))) {
            throw new UserException(path + " is not a run folder: it has no " + EXPERIMENT);
        }
        return new RunFolder(path, List.of());
    }

    /**
     * Returns the folder.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the files of one model (for one seed when the run has several).
     *
     * @param label the model's label
     * @param seed the seed, or {@code null} when the run has one seed
     * @return the model's files
     */
    public ModelFiles model(String label, Long seed) {
        return new ModelFiles(
                seed == null ? path.resolve(label) : path.resolve(label).resolve(seedFolder(seed)));
    }

    /**
     * Returns the name of a seed's folder, in a run of several seeds.
     *
     * @param seed the seed
     * @return {@code seed-N}
     */
    public static String seedFolder(long seed) {
        return "seed-" + seed;
    }

    /**
     * Returns the hex SHA-256 of a text.
     *
     * @param text the text
     * @return the digest
     */
    public static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
