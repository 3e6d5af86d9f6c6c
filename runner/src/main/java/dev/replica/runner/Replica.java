package dev.replica.runner;

import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.core.config.ExperimentException;
import dev.replica.core.record.HistoryRow;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingStoppedException;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.output.SummaryTable;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Replica as a library: load or write an experiment, run it, read what a run folder holds, and load a
 * trained model for inference. It does what the {@code replica} command does, with the same files and
 * the same results; docs/java-api.md has an example that the test suite compiles and runs.
 *
 * <p>User errors (a bad file, missing data) are {@link ExperimentException}s or {@link UserException}s
 * whose messages are those the command prints.
 */
public final class Replica {

    private final PluginRegistry registry;
    private final Environment environment;

    private Replica(PluginRegistry registry, Environment environment) {
        this.registry = registry;
        this.environment = environment;
    }

    /**
     * Replica with the plugins on the class path and the settings of this process's environment
     * variables ({@code REPLICA_DATA}, the engine's cache).
     *
     * @return the library
     */
    public static Replica create() {
        return new Replica(PluginRegistry.discover(Replica.class.getClassLoader()), Environment.from(System.getenv()));
    }

    /**
     * Replica with datasets under a given folder (what {@code REPLICA_DATA} says for the command), the
     * other settings from this process's environment.
     *
     * @param dataRoot the folder datasets live under, e.g. {@code ../shared/data}
     * @return the library
     */
    public static Replica withDataRoot(Path dataRoot) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("REPLICA_DATA", dataRoot.toAbsolutePath().normalize().toString());
        return new Replica(PluginRegistry.discover(Replica.class.getClassLoader()), Environment.from(env));
    }

    /**
     * Loads and validates an experiment file, with {@code --set}-style overrides.
     *
     * @param file the YAML file
     * @param overrides e.g. {@code training.epochs=2}
     * @return the experiment, every default filled in
     * @throws ExperimentException listing every problem
     */
    public Experiment load(Path file, String... overrides) {
        return new ExperimentLoader(registry).load(file, List.of(overrides));
    }

    /**
     * Validates an experiment written in code as YAML text; relative paths in it are relative to the
     * working directory.
     *
     * @param yaml the experiment
     * @param overrides e.g. {@code seed=3}
     * @return the experiment, every default filled in
     * @throws ExperimentException listing every problem
     */
    public Experiment parse(String yaml, String... overrides) {
        return new ExperimentLoader(registry).read("<experiment>", yaml, List.of(overrides));
    }

    /**
     * Runs an experiment into a new run folder under {@code out}, silently.
     *
     * @param experiment the experiment; one built or changed in code is validated again first
     * @param out where run folders go, e.g. {@code runs}
     * @return the finished run
     * @throws IOException when writing the run folder fails
     */
    public Run run(Experiment experiment, Path out) throws IOException {
        return run(experiment, out, ProgressListener.SILENT);
    }

    /**
     * Runs an experiment into a new run folder under {@code out}.
     *
     * @param experiment the experiment; one built or changed in code is validated again first
     * @param out where run folders go
     * @param listener told of every step, evaluation and epoch
     * @return the finished run
     * @throws IOException when writing the run folder fails
     */
    public Run run(Experiment experiment, Path out, ProgressListener listener) throws IOException {
        return run(experiment, out, listener, StopRequest.NEVER);
    }

    /**
     * Runs an experiment into a new run folder under {@code out}, as {@code replica run} does: the folder is
     * locked while it trains, a folder that trained nothing before a user error is removed, and a stop
     * request stops at the next step with a checkpoint ({@link #resume} goes on from it).
     *
     * @param experiment the experiment; one built or changed in code is validated again first
     * @param out where run folders go
     * @param listener told of every step, evaluation and epoch
     * @param stop asked at every step; {@link StopRequest#request} from any thread stops the run
     * @return the finished run
     * @throws TrainingStoppedException when stopped; the exception names the step
     * @throws IOException when writing the run folder fails
     */
    public Run run(Experiment experiment, Path out, ProgressListener listener, StopRequest stop) throws IOException {
        Objects.requireNonNull(experiment, "experiment");
        Experiment checked = parse(ExperimentWriter.toYaml(experiment));
        RunFolder folder = checked.startFolder(out);
        lifecycle().train(checked, folder, "run (Java API)", true, listener, stop, new RunLifecycle.Events() {});
        return open(folder.path());
    }

    /**
     * Trains a run folder that stopped (a stop request, Ctrl-C, a crash) to its end, from its checkpoints.
     *
     * @param folder the run folder
     * @param listener told of every step, evaluation and epoch
     * @param stop asked at every step
     * @return the finished run
     * @throws TrainingStoppedException when stopped again
     * @throws IOException when writing the run folder fails
     */
    public Run resume(Path folder, ProgressListener listener, StopRequest stop) throws IOException {
        RunFolder existing = RunFolder.existing(folder);
        Experiment experiment =
                new ExperimentLoader(registry).loadRecorded(folder.resolve(RunFolder.EXPERIMENT), List.of());
        lifecycle()
                .train(
                        experiment,
                        existing,
                        "run --resume (Java API)",
                        false,
                        listener,
                        stop,
                        new RunLifecycle.Events() {});
        return open(folder);
    }

    private RunLifecycle lifecycle() {
        return new RunLifecycle(new ExperimentRunner(registry, models(), environment));
    }

    /**
     * Opens a run folder that a run (this library's or the command's) wrote.
     *
     * @param folder the run folder
     * @return its experiment, record, summaries and histories
     * @throws UserException when it is not a run folder
     */
    public Run open(Path folder) {
        RunContents contents = RunContents.read(folder);
        Experiment experiment =
                new ExperimentLoader(registry).loadRecorded(folder.resolve(RunFolder.EXPERIMENT), List.of());
        return new Run(folder, experiment, contents);
    }

    /**
     * Loads a model of a run folder with its best-validation weights, on the run's engine and data.
     *
     * @param folder the run folder
     * @param label the model's label in the experiment
     * @return the model; close it to free the engine's memory
     * @throws UserException when the run has no such model or weights
     */
    public TrainedModel model(Path folder, String label) {
        return model(folder, label, null, TrainedModel.Weights.BEST);
    }

    /**
     * Loads a model of a run folder.
     *
     * @param folder the run folder
     * @param label the model's label
     * @param seed the seed of a run with several, or {@code null} for its first
     * @param which best or final weights
     * @return the model; close it to free the engine's memory
     * @throws UserException when the run has no such model, seed or weights
     */
    public TrainedModel model(Path folder, String label, Long seed, TrainedModel.Weights which) {
        Experiment experiment =
                new ExperimentLoader(registry).loadRecorded(folder.resolve(RunFolder.EXPERIMENT), List.of());
        return TrainedModel.open(registry, environment, experiment, folder, label, seed, which);
    }

    private Map<String, ModelPlugin> models() {
        Map<String, ModelPlugin> models = new HashMap<>();
        registry.all(PluginKind.MODEL).forEach((name, plugin) -> models.put(name, (ModelPlugin) plugin));
        return models;
    }

    /** A run folder's results, read from its files. */
    public static final class Run {
        private final Path folder;
        private final Experiment experiment;
        private final RunContents contents;

        Run(Path folder, Experiment experiment, RunContents contents) {
            this.folder = folder;
            this.experiment = experiment;
            this.contents = contents;
        }

        /**
         * Returns the run folder.
         *
         * @return the folder
         */
        public Path folder() {
            return folder;
        }

        /**
         * Returns the experiment the run ran, as its experiment.yaml resolved it.
         *
         * @return the experiment
         */
        public Experiment experiment() {
            return experiment;
        }

        /**
         * Returns the provenance record: versions, machine, engine, data, plugins, checksums.
         *
         * @return the manifest
         */
        public RunManifest manifest() {
            return contents.record();
        }

        /**
         * Returns the study's table of the run's first seed, measured with the best weights.
         *
         * @return the table
         */
        public SummaryTable summary() {
            return summary(experiment.seeds().get(0));
        }

        /**
         * Returns the study's table of one seed.
         *
         * @param seed one of the run's seeds
         * @return the table
         * @throws UserException when the run has no finished table for that seed
         */
        public SummaryTable summary(long seed) {
            Path dir = experiment.seeds().size() > 1 ? folder.resolve(RunFolder.seedFolder(seed)) : folder;
            Path csv = dir.resolve(RunFolder.SUMMARY_CSV);
            if (!experiment.seeds().contains(seed) || !Files.isRegularFile(csv)) {
                throw new UserException(folder + " has no summary for seed " + seed + " (seeds: " + experiment.seeds()
                        + "; a run has one when it finished)");
            }
            return SummaryTable.read(csv);
        }

        /**
         * Returns each model's history, per seed.
         *
         * @return rows of history.csv by model label and seed
         */
        public Map<String, Map<Long, List<HistoryRow>>> histories() {
            return contents.histories();
        }
    }
}
