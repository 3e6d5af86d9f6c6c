package dev.replica.runner;

import com.google.gson.JsonParser;
import dev.replica.api.Batch;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.LearningRateSchedule;
import dev.replica.api.OptimizerContext;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.UpdateRule;
import dev.replica.api.UserException;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.ProbeWorkload;
import dev.replica.api.seed.SeedNames;
import dev.replica.api.seed.SeedStream;
import dev.replica.core.record.EnvironmentFacts;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.output.Manifest;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What every command that trains needs from an experiment, in one place: the engine, the data, the
 * training setup of a seed, and the facts the manifest records about them. {@code run}, {@code check}
 * and {@code reproduce} all build on it, so they cannot drift apart.
 */
public final class RunAssembly {

    private static final Logger LOG = LogManager.getLogger(RunAssembly.class);

    private final PluginRegistry registry;
    private final Environment environment;

    /**
     * Creates the assembly.
     *
     * @param registry every plugin
     * @param environment settings from outside the experiment file
     */
    @Inject
    public RunAssembly(PluginRegistry registry, Environment environment) {
        this.registry = registry;
        this.environment = environment;
    }

    /** How many first steps of each model the determinism probe traces, and every fresh run checks. */
    public static final int PROBE_STEPS = 3;

    /**
     * Opens the experiment's engine, with the determinism probe proving the experiment's own models.
     *
     * @param experiment the experiment
     * @return the session; the caller closes it
     */
    public EngineSession openEngine(Experiment experiment) {
        return open(experiment, environment.engine());
    }

    /**
     * Opens the engine of a run folder's experiment: under {@code engine.isa: auto} the instruction set its
     * manifest records comes first, so that resuming or evaluating the run computes with the kernels that
     * trained it, whatever this process's {@code auto} would choose.
     *
     * @param experiment the run's experiment
     * @param runFolder the run folder; a new one (no manifest yet) changes nothing
     * @return the session; the caller closes it
     */
    public EngineSession openEngine(Experiment experiment, Path runFolder) {
        return open(experiment, environment.trainedLike(runFolder).engine());
    }

    private EngineSession open(Experiment experiment, EngineContext context) {
        EnginePlugin plugin = registry.engine(experiment.engine().plugin());
        if (!context.probeProcess()) {
            context = context.withWorkload(probeWorkload(experiment));
        }
        return plugin.open(experiment.engine().params(), context);
    }

    /**
     * What the determinism probe trains for an experiment: its models as their plugins build them, with
     * its params, input shape and batch size (oneDNN chooses kernels by shape), on the first seed's first
     * batches, for {@link #PROBE_STEPS} steps. The signature is the resolved file and the data folder, so a
     * verdict names exactly what it proved.
     *
     * @param experiment the experiment
     * @return the workload
     */
    public ProbeWorkload probeWorkload(Experiment experiment) {
        Experiment first = experiment.withSeeds(List.of(experiment.seeds().get(0)));
        String yaml = ExperimentWriter.toYaml(first);
        Path file;
        try {
            file = Files.createTempFile("replica-probe-", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserException(
                    "cannot write the determinism probe's experiment file in " + System.getProperty("java.io.tmpdir")
                            + ": " + e.getMessage(),
                    e);
        }
        List<String> classPath = new ArrayList<>();
        for (PluginUse m : experiment.models().values()) {
            classPath.addAll(ProbeWorkload.classPathOf(registry.get(PluginKind.MODEL, m.plugin())));
        }
        classPath.addAll(ProbeWorkload.classPathOf(
                registry.get(PluginKind.DATASET, experiment.dataset().plugin())));
        String description = "the first " + PROBE_STEPS + " steps of "
                + String.join(", ", experiment.models().keySet()) + " (batch "
                + experiment.training().batchSize() + ", seed " + first.seeds().get(0) + ")";
        return new ProbeWorkload(
                RunFolder.sha256(yaml + "\ndata: " + environment.dataRoot()),
                description,
                ProbeProcess.class.getName(),
                List.of(
                        file.toString(),
                        Integer.toString(PROBE_STEPS),
                        environment.dataRoot().toString()),
                PROBE_STEPS,
                classPath);
    }

    /**
     * Describes an open engine for the manifest, with the threads asked for beside those observed, and
     * warns when they differ (results are comparable only at equal thread counts).
     *
     * @param session the open engine
     * @param engine the engine's settings
     * @return sorted facts
     */
    public SortedMap<String, String> describeEngine(EngineSession session, PluginUse engine) {
        SortedMap<String, String> facts = new TreeMap<>(session.describe());
        int requested = engine.params().getInt("threads");
        facts.put(EngineFacts.THREADS_REQUESTED, Integer.toString(requested));
        if (session.observedThreads() != requested) {
            LOG.warn(
                    "engine.threads is {} but {} runs {} threads in this process: it was loaded before in this "
                            + "JVM with another count; results are comparable only at equal thread counts",
                    requested,
                    engine.plugin(),
                    session.observedThreads());
        }
        return facts;
    }

    /**
     * Opens the experiment's dataset for one seed.
     *
     * @param experiment the experiment
     * @param seed the run seed
     * @return the splits
     */
    public DataSplits openData(Experiment experiment, long seed) {
        DatasetPlugin plugin = registry.dataset(experiment.dataset().plugin());
        return plugin.open(
                experiment.dataset().params(),
                new DataContext(environment.dataRoot(), SeedStream.root(seed).child(SeedNames.DATA)));
    }

    /**
     * Builds what the models of one seed share: update rule, schedule, seed streams.
     *
     * @param experiment the experiment
     * @param session the open engine
     * @param data the opened data
     * @param seed the run seed
     * @return the setup
     */
    public TrainingSetup setup(Experiment experiment, EngineSession session, DataSplits data, long seed) {
        OptimizerPlugin optimizer = registry.optimizer(experiment.optimizer().plugin());
        int steps = Batch.perEpoch(data.train().size(), experiment.training().batchSize());
        if (steps < 1) {
            // An int that overflowed: a run of no steps would "finish" with a loss of 0, a wrong result.
            throw new UserException(
                    "training.batch_size " + experiment.training().batchSize() + " with "
                            + data.train().size() + " training examples gives " + steps + " steps per epoch; allowed: "
                            + "a batch size and a dataset whose sum fits an int (at most " + Integer.MAX_VALUE + ")");
        }
        UpdateRule rule = optimizer.create(
                experiment.optimizer().params(),
                new OptimizerContext(experiment.training().epochs(), steps));
        SchedulePlugin schedulePlugin = registry.schedule(experiment.schedule().plugin());
        LearningRateSchedule schedule = schedulePlugin.create(
                experiment.schedule().params(),
                new ScheduleContext(rule.baseRate(), experiment.training().epochs(), steps));
        return new TrainingSetup(session, data, experiment.training(), SeedStream.root(seed), rule, schedule);
    }

    /**
     * Starts the manifest of a run folder with what every command records: Replica's version and the
     * command, the experiment (its resolved file's hash, the seeds), the git commit, the machine and
     * process, and every plugin used. The command adds the engine, the data and its results.
     *
     * @param folder the run folder, whose experiment.yaml is written
     * @param experiment the experiment
     * @param command the command that made the folder, e.g. {@code run}
     * @param seeds the seeds it trains
     * @param used the experiments whose plugins it uses (one, or one per side of a check)
     * @return the manifest, not yet written
     * @throws IOException when the resolved file cannot be read
     */
    public RunManifest manifest(
            RunFolder folder, Experiment experiment, String command, List<Long> seeds, Collection<Experiment> used)
            throws IOException {
        String resolved = Files.readString(folder.path().resolve(RunFolder.EXPERIMENT), StandardCharsets.UTF_8);
        return RunManifest.start(
                        new RunManifest.Replica(replicaVersion(), experiment.format(), command),
                        new RunManifest.Experiment(experiment.name(), RunFolder.sha256(resolved), List.copyOf(seeds)),
                        Manifest.gitCommit(Path.of("").toAbsolutePath()),
                        EnvironmentFacts.current(),
                        pluginFacts(used))
                .withInitialWeights(initialWeights(experiment, recordedInitialWeights(folder)));
    }

    /** What a run folder's manifest already says its models started from: a resumed run keeps it. */
    private static Map<String, String> recordedInitialWeights(RunFolder folder) {
        return recorded(folder.path())
                .<Map<String, String>>map(RunManifest::initialWeights)
                .orElse(Map.of());
    }

    /**
     * The instruction set a run folder's engine ran at, as its manifest records it.
     *
     * @param runFolder the run folder
     * @return the setting, or {@code null} for a folder without one (new, a check's, an older or unreadable manifest)
     */
    public static InstructionSet trainedAt(Path runFolder) {
        String word =
                recorded(runFolder).map(m -> m.engine().get(EngineFacts.ISA)).orElse(null);
        try {
            return word == null || word.equals(InstructionSet.AUTO.word()) ? null : InstructionSet.of(word);
        } catch (IllegalArgumentException e) {
            return null; // a setting of a later version: this process's auto decides
        }
    }

    /** A run folder's manifest, when it has one that reads; the commands that need it whole check it. */
    private static Optional<RunManifest> recorded(Path runFolder) {
        Path file = runFolder.resolve(RunFolder.MANIFEST);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(RunManifest.read(
                    JsonParser.parseString(SafeFiles.readText(file, "manifest")).getAsJsonObject()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Fingerprints the files the models start from, so a reader knows which weights a run began with. A
     * resumed run keeps what its manifest recorded: a file that has moved since is not needed by models
     * that have a checkpoint, and a file that has changed is refused.
     *
     * @param experiment the experiment
     * @param recorded what the run's manifest recorded before, by label; empty for a new run
     * @return {@code <sha256>  <path>} by model label, for the models with a {@code weights} file
     * @throws UserException when a file cannot be read and was never recorded, or changed since
     */
    public static SortedMap<String, String> initialWeights(Experiment experiment, Map<String, String> recorded) {
        SortedMap<String, String> files = new TreeMap<>();
        for (Map.Entry<String, PluginUse> m : experiment.models().entrySet()) {
            Path file = m.getValue().weights();
            if (file == null) {
                continue;
            }
            String before = recorded.get(m.getKey());
            if (before != null && !Files.isRegularFile(file)) {
                files.put(m.getKey(), before);
                continue;
            }
            try {
                String now = SafeFiles.sha256(file) + "  " + file;
                if (before != null && !before.equals(now)) {
                    throw new UserException("models." + m.getKey() + ".weights: " + file + " has changed since the run "
                            + "started (recorded " + before.substring(0, 12) + "…, now " + now.substring(0, 12)
                            + "…); resume needs the weights it started from, or start a new run");
                }
                files.put(m.getKey(), now);
            } catch (IOException e) {
                throw new UserException(
                        "models." + m.getKey() + ".weights: cannot read " + file + " (" + e.getMessage() + ")", e);
            }
        }
        return files;
    }

    /**
     * Records every plugin the experiments use: version, class, and the jar it came from.
     *
     * @param experiments the experiments (one, or one per side of a check)
     * @return facts keyed by {@code <kind>.<name>}, sorted
     */
    public SortedMap<String, RunManifest.PluginFacts> pluginFacts(Collection<Experiment> experiments) {
        SortedMap<String, RunManifest.PluginFacts> facts = new TreeMap<>();
        for (Experiment e : experiments) {
            record(facts, PluginKind.ENGINE, e.engine());
            record(facts, PluginKind.DATASET, e.dataset());
            for (PluginUse m : e.models().values()) {
                record(facts, PluginKind.MODEL, m);
            }
            record(facts, PluginKind.OPTIMIZER, e.optimizer());
            record(facts, PluginKind.SCHEDULE, e.schedule());
        }
        return facts;
    }

    private void record(SortedMap<String, RunManifest.PluginFacts> facts, PluginKind kind, PluginUse use) {
        Plugin p = registry.get(kind, use.plugin());
        CodeSource source = p.getClass().getProtectionDomain().getCodeSource();
        String from = source == null || source.getLocation() == null
                ? ""
                : source.getLocation().toString();
        facts.put(
                kind.word() + "." + use.plugin(),
                new RunManifest.PluginFacts(p.version(), p.getClass().getName(), from));
    }

    /**
     * Records what a reader needs to know about the data: sizes, where validation comes from, file hashes.
     *
     * @param data the opened data
     * @return the facts, in a fixed order
     */
    public static RunManifest.DatasetFacts datasetFacts(DataSplits data) {
        return new RunManifest.DatasetFacts(
                data.classes(),
                data.exampleShape().toString(),
                data.train().size(),
                data.validation().size(),
                data.validationSource(),
                data.test().size(),
                new TreeMap<>(data.provenance()));
    }

    /**
     * Returns Replica's version from the runner jar's manifest, or {@code dev} when run from classes.
     *
     * @return the version
     */
    public static String replicaVersion() {
        String v = RunAssembly.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
