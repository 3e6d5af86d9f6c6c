package dev.replica.runner.config;

import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import dev.replica.core.config.ExperimentException;
import dev.replica.core.config.ExperimentProblem;
import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlTree;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads an experiment file (format of docs/design.md, section 3): composes it to a YAML node tree, applies
 * the {@code --set} overrides, validates everything against the plugins' schemas and returns the typed
 * {@link Experiment}. Every problem of the file is collected before anything is thrown, each with its
 * key path and line:column.
 */
public final class ExperimentLoader {

    private final PluginRegistry registry;

    /**
     * Creates a loader.
     *
     * @param registry the plugins that experiment files may name
     */
    /**
     * A study file as {@code replica sweep} reads it: the experiment, and where its runs go.
     *
     * @param experiment the experiment, every default filled in
     * @param cluster the {@code cluster} section (partition, time, cpus, memory, gpus), defaults filled in;
     *     it is checked with the file but is not part of the experiment, since it never changes what a run
     *     computes, and resolved files leave it out
     */
    public record Study(Experiment experiment, Params cluster) {}

    /**
     * Returns the schema of the {@code cluster} section, for flags that override it.
     *
     * @return the schema
     */
    public static ParameterSchema clusterSchema() {
        return ExperimentValidator.CLUSTER_SCHEMA;
    }

    /**
     * Returns whether a string is a model label as an experiment file allows it, for readers of run
     * folders, whose labels become file names.
     *
     * @param label the label
     * @return true when it matches [a-z0-9][a-z0-9_-]*
     */
    public static boolean isLabel(String label) {
        return ExperimentValidator.LABEL.matcher(label).matches();
    }

    /**
     * Returns whether a string is an experiment name (and so a folder name) as an experiment file allows it.
     *
     * @param name the name
     * @return true when it matches [a-z0-9][a-z0-9._-]*
     */
    public static boolean isName(String name) {
        return ExperimentValidator.NAME.matcher(name).matches();
    }

    public ExperimentLoader(PluginRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Loads, overrides and validates an experiment file.
     *
     * @param file the file, as the user gave it (messages show it so)
     * @param overrides {@code key.path=value} strings from {@code --set}, applied in order; may be empty
     * @return the experiment, every default filled in
     * @throws ExperimentException listing every problem, when the file cannot be read or is not valid
     */
    public Experiment load(Path file, List<String> overrides) {
        return loadStudy(file, overrides).experiment();
    }

    /**
     * Loads a study file as {@link #load} does, with its {@code cluster} section.
     *
     * @param file the file, as the user gave it
     * @param overrides {@code --set} overrides, in order; may be empty
     * @return the experiment and its cluster section
     * @throws ExperimentException listing every problem
     */
    public Study loadStudy(Path file, List<String> overrides) {
        String label = file.toString();
        return read(label, text(file), overrides, file.toAbsolutePath().getParent(), true);
    }

    /** The most an experiment file may hold: a study is a few kilobytes. */
    static final long MAX_FILE_BYTES = 1 << 20;

    /**
     * Reads an experiment file: only a regular file (a FIFO would hang, a device never end) of at most
     * {@link #MAX_FILE_BYTES}, its size checked before and during the read, as strict UTF-8.
     */
    private static String text(Path file) {
        String label = file.toString();
        if (Files.isDirectory(file)) {
            throw fileProblem(label, "cannot read: it is a folder, not a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw fileProblem(label, "cannot read: it is a device, FIFO or socket, not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw fileProblem(
                        label,
                        "cannot read: it is larger than " + MAX_FILE_BYTES
                                + " bytes, more than an experiment file holds");
            }
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw fileProblem(
                    label, "no such file (looked for " + file.toAbsolutePath().normalize() + ")");
        } catch (CharacterCodingException e) {
            throw fileProblem(label, "cannot read: the file is not UTF-8 text");
        } catch (IOException e) {
            throw fileProblem(label, "cannot read: " + e.getMessage());
        }
    }

    /**
     * Loads the resolved experiment of an existing run folder: as {@link #load}, except that the initial
     * weights files it names need not exist any more (the run's checkpoints and weights replace them).
     *
     * @param file the run folder's experiment.yaml
     * @param overrides overrides, e.g. of the data's folder; may be empty
     * @return the experiment
     * @throws ExperimentException listing every problem
     */
    public Experiment loadRecorded(Path file, List<String> overrides) {
        return read(
                        file.toString(),
                        text(file),
                        overrides,
                        file.toAbsolutePath().getParent(),
                        false)
                .experiment();
    }

    /**
     * Validates experiment text, as {@link #load} does once it has read the file.
     *
     * @param file the name to show in messages
     * @param text the YAML text
     * @param overrides {@code key.path=value} strings, applied in order; may be empty
     * @return the experiment, every default filled in
     * @throws ExperimentException listing every problem
     */
    public Experiment read(String file, String text, List<String> overrides) {
        return read(file, text, overrides, Path.of("").toAbsolutePath(), true).experiment();
    }

    private Study read(String file, String text, List<String> overrides, Path baseDir, boolean checkFiles) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(overrides, "overrides");
        Problems problems = new Problems();
        YamlTree tree = new YamlTree(problems);
        Node root = tree.compose(text, null);
        problems.throwIfAny(file);
        if (!(root instanceof MappingNode)) {
            if (root == null) {
                problems.atFileStart("the file is empty; allowed: " + ExperimentValidator.TOP_LEVEL_SHAPE);
            } else {
                problems.at(
                        "",
                        root,
                        tree.describe(root) + " is not a mapping; allowed: " + ExperimentValidator.TOP_LEVEL_SHAPE);
            }
            problems.throwIfAny(file);
        }
        MappingNode mapping = (MappingNode) root;
        new Overrides(tree, problems).apply(mapping, overrides);
        tree.checkStructure(mapping, "");
        ExperimentValidator validator = new ExperimentValidator(registry, tree, problems, baseDir, checkFiles);
        Experiment experiment = validator.validate(mapping);
        problems.throwIfAny(file);
        return new Study(experiment, validator.cluster());
    }

    private static ExperimentException fileProblem(String file, String message) {
        return new ExperimentException(file, List.of(new ExperimentProblem("", Problems.FILE, message)));
    }
}
