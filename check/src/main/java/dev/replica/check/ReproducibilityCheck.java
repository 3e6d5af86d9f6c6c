package dev.replica.check;

import ai.djl.ndarray.types.DataType;
import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.check.config.Check;
import dev.replica.check.config.CheckSection;
import dev.replica.check.config.OutcomeCheck;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
import dev.replica.core.training.Evaluation;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code replica check}: runs every model of an experiment on the two engines of its {@code check}
 * section from the same Java-made weights and the same batches, step by step in lockstep, measures how
 * far apart they get, reruns the first engine to confirm bit-identity, judges each model against the
 * file's bands and writes the report into a new run folder.
 */
public final class ReproducibilityCheck {

    private static final Logger LOG = LogManager.getLogger(ReproducibilityCheck.class);

    private final RunAssembly assembly;
    private final Map<String, ModelPlugin> models;

    /**
     * Creates the check.
     *
     * @param registry every plugin
     * @param models the model plugins by name
     * @param environment settings from outside the experiment file
     */
    @Inject
    public ReproducibilityCheck(PluginRegistry registry, Map<String, ModelPlugin> models, Environment environment) {
        this.assembly = new RunAssembly(registry, environment);
        this.models = models;
    }

    /**
     * What a check produced.
     *
     * @param folder the run folder
     * @param verdicts the operator-level verdict of every model, in file order
     * @param outcomes the outcome level of every model, in file order; empty when the file has none
     */
    public record Outcome(RunFolder folder, Map<String, Verdict> verdicts, Map<String, OutcomeComparison> outcomes) {

        /** Copies the maps, keeping their order. */
        public Outcome {
            verdicts = Collections.unmodifiableMap(new LinkedHashMap<>(verdicts));
            outcomes = Collections.unmodifiableMap(new LinkedHashMap<>(outcomes));
        }

        /**
         * Returns whether every model is identical or within tolerance and, where the outcome level
         * ran, equivalent.
         *
         * @return {@code false} when any model diverged, or reached a different or undecided outcome
         */
        public boolean passed() {
            return verdicts.values().stream().allMatch(Verdict::passed)
                    && outcomes.values().stream().allMatch(o -> o.verdict() == Equivalence.Outcome.EQUIVALENT);
        }

        /**
         * Returns whether nothing failed but some outcome needs more seeds to tell.
         *
         * @return {@code true} when the only verdicts short of a pass are "not enough seeds to tell"
         */
        public boolean undecided() {
            return verdicts.values().stream().allMatch(Verdict::passed)
                    && outcomes.values().stream().noneMatch(o -> o.verdict() == Equivalence.Outcome.DIFFERENT)
                    && outcomes.values().stream().anyMatch(o -> o.verdict() == Equivalence.Outcome.NOT_ENOUGH_SEEDS);
        }
    }

    /**
     * Checks an experiment: the two sides are the experiment on each engine of its {@code check} section
     * (every default when it has none). The run folder is made only once the engines and the data are
     * open and the check's steps fit the run, so a user error leaves no folder behind.
     *
     * @param file the experiment file as the user gave it, for messages
     * @param experiment the experiment
     * @param folder makes the new run folder, with its {@code experiment.yaml} written
     * @param progress progress display
     * @return the outcome
     * @throws IOException when writing outputs fails
     * @throws dev.replica.api.UserException when the check asks for more steps than the run trains
     */
    public Outcome run(String file, Experiment experiment, Supplier<RunFolder> folder, CheckProgress progress)
            throws IOException {
        return run(file, experiment, folder, progress, StopRequest.NEVER);
    }

    /**
     * Checks an experiment as {@link #run(String, Experiment, Supplier, CheckProgress)} does, stopping
     * after the step under way when asked.
     *
     * @param file the experiment file as the user gave it, for messages
     * @param experiment the experiment
     * @param folder makes the new run folder, with its {@code experiment.yaml} written
     * @param progress progress display
     * @param stop Ctrl-C or SIGTERM
     * @return the outcome
     * @throws IOException when writing outputs fails
     * @throws CheckStoppedException when the stop came; every lane is closed by then
     */
    public Outcome run(
            String file, Experiment experiment, Supplier<RunFolder> folder, CheckProgress progress, StopRequest stop)
            throws IOException {
        return run(file, experiment, sides(experiment), folder, progress, stop);
    }

    /**
     * Returns the two sides of an experiment: the experiment on each engine of its {@code check}
     * section, named after the engine ({@code pytorch}, {@code pytorch-2} when one engine is named twice).
     *
     * @param experiment the experiment
     * @return the reference side, then the other
     */
    static List<Side> sides(Experiment experiment) {
        List<String> engines =
                experiment.section(CheckSection.SECTION).orElseThrow().engines();
        List<Side> sides = new ArrayList<>();
        for (String engine : engines) {
            String name = sides.stream().anyMatch(s -> s.name().equals(engine)) ? engine + "-2" : engine;
            sides.add(new Side(
                    name,
                    experiment.withEngine(
                            new PluginUse(engine, experiment.engine().params()))));
        }
        return sides;
    }

    /**
     * Checks two given sides. The check section, the models and the resolved file are the
     * {@code experiment}'s; each side trains from its own experiment (engine, seed, data, optimizer,
     * schedule). The public entry point makes sides that differ only in their engine; tests also make
     * sides that differ in a seed or a learning rate, to prove that such differences are caught.
     *
     * @param file the experiment file as the user gave it, for messages
     * @param experiment the experiment whose check section and models are compared
     * @param sides the reference side, then the other
     * @param makeFolder makes the new run folder, with its {@code experiment.yaml} written
     * @param progress progress display
     * @return the outcome
     * @throws IOException when writing outputs fails
     */
    Outcome run(
            String file,
            Experiment experiment,
            List<Side> sides,
            Supplier<RunFolder> makeFolder,
            CheckProgress progress)
            throws IOException {
        return run(file, experiment, sides, makeFolder, progress, StopRequest.NEVER);
    }

    private Outcome run(
            String file,
            Experiment experiment,
            List<Side> sides,
            Supplier<RunFolder> makeFolder,
            CheckProgress progress,
            StopRequest stop)
            throws IOException {
        if (sides.size() != 2 || sides.get(0).name().equals(sides.get(1).name())) {
            throw new IllegalArgumentException("a check compares two sides with different names: " + sides);
        }
        Check check = experiment
                .section(CheckSection.SECTION)
                .orElseThrow(); // CheckCommand fills in the defaults where the file has no section
        Map<String, EngineSession> sessions = new TreeMap<>();
        try {
            Map<String, DataSplits> data = new LinkedHashMap<>();
            SortedMap<String, SortedMap<String, String>> engines = new TreeMap<>();
            // Sides with the same dataset and seed share the opened data (lookups only: no order involved).
            Map<List<Object>, DataSplits> distinct = new HashMap<>();
            for (Side side : sides) {
                EngineSession session =
                        sessions.computeIfAbsent(side.engine(), engine -> assembly.openEngine(side.experiment()));
                engines.put(
                        side.name(),
                        assembly.describeEngine(session, side.experiment().engine()));
                data.put(
                        side.name(),
                        distinct.computeIfAbsent(
                                List.of(side.experiment().dataset(), seed(side)),
                                key -> assembly.openData(side.experiment(), seed(side))));
            }
            Side a = sides.get(0);
            Side b = sides.get(1);
            int steps = steps(file, check, a, data.get(a.name()));
            RunFolder folder = makeFolder.get();

            SortedMap<String, RunManifest.DatasetFacts> dataset = new TreeMap<>();
            dataset.put(Long.toString(seed(a)), RunAssembly.datasetFacts(data.get(a.name())));
            RunManifest manifest = assembly.manifest(
                            folder,
                            experiment,
                            "check",
                            List.of(seed(a)),
                            sides.stream().map(Side::experiment).toList())
                    .withEngines(engines)
                    .withDatasets(dataset);
            Path manifestFile = folder.path().resolve(RunFolder.MANIFEST);
            manifest.write(manifestFile);

            CheckReport report = new CheckReport(folder, experiment, check, a, b, steps, engines);
            Lockstep lockstep = new Lockstep(
                    (side, label, precision) ->
                            lane(side, label, precision, sessions.get(side.engine()), data.get(side.name())),
                    progress,
                    stop);
            Map<String, Verdict> verdicts = new LinkedHashMap<>();
            SortedMap<String, RunManifest.CheckedModel> results = new TreeMap<>();
            for (String label : experiment.models().keySet()) {
                LOG.info(
                        "Checking {}: {} against {}, {} steps{}",
                        label,
                        a.name(),
                        b.name(),
                        steps,
                        check.rerun() ? ", then a rerun of " + a.name() : "");
                ModelComparison comparison =
                        lockstep.compare(label, a, b, steps, check.recordParamsEvery(), check.rerun(), check.replays());
                Verdict verdict = Judge.judge(comparison, check.tolerances());
                verdicts.put(label, verdict);
                report.model(comparison, verdict);
                results.put(
                        label,
                        new RunManifest.CheckedModel(
                                verdict.toString(),
                                bySide(a, comparison.initialA(), b, comparison.initialB()),
                                bySide(a, comparison.finalA(), b, comparison.finalB()),
                                comparison.rerun() == null
                                        ? null
                                        : comparison.rerun().finalChecksum(),
                                null,
                                new TreeMap<>()));
                manifest = manifest.withCheck(results);
                manifest.write(manifestFile);
            }
            Map<String, OutcomeComparison> outcomes = new LinkedHashMap<>();
            if (check.outcome().isPresent()) {
                for (String label : experiment.models().keySet()) {
                    OutcomeComparison o = outcome(label, a, b, check.outcome().get(), sessions, progress, stop);
                    outcomes.put(label, o);
                    report.outcome(o);
                    results.put(
                            label, results.get(label).withOutcome(OutcomeComparison.text(o.verdict()), o.details()));
                    manifest = manifest.withCheck(results);
                    manifest.write(manifestFile);
                }
            }
            report.finish();
            return new Outcome(folder, verdicts, outcomes);
        } finally {
            sessions.values().forEach(EngineSession::close);
        }
    }

    /** Each side's checksum, by engine: the two sides of a check are different engines or the same twice. */
    private static SortedMap<String, String> bySide(Side a, String checksumA, Side b, String checksumB) {
        SortedMap<String, String> m = new TreeMap<>();
        m.put(a.name(), checksumA);
        m.put(b.name(), checksumB);
        return m;
    }

    /**
     * Trains the model on both sides from every seed of the outcome section, each run on its own data
     * streams, and compares their final evaluations.
     */
    private OutcomeComparison outcome(
            String label,
            Side a,
            Side b,
            OutcomeCheck spec,
            Map<String, EngineSession> sessions,
            CheckProgress progress,
            StopRequest stop) {
        List<Long> seeds = spec.seedList(seed(a));
        int epochs = spec.epochs().orElse(a.experiment().training().epochs());
        Map<List<Object>, DataSplits> data = new HashMap<>(); // lookups only: no order involved
        List<List<Evaluation>> runs = new ArrayList<>();
        int done = 0;
        for (Side side : List.of(a, b)) {
            List<Evaluation> evaluations = new ArrayList<>();
            for (long seed : seeds) {
                // The run's own length, so that a schedule over the run's epochs spans these.
                Experiment e = side.experiment().withEpochs(epochs);
                DataSplits splits = data.computeIfAbsent(List.of(e.dataset(), seed), key -> assembly.openData(e, seed));
                TrainingSetup setup = assembly.setup(e, sessions.get(side.engine()), splits, seed);
                PluginUse model = e.models().get(label);
                int steps = epochs * setup.stepsPerEpoch();
                String run =
                        "outcome run " + (++done) + " of " + 2 * seeds.size() + ": " + side.name() + ", seed " + seed;
                progress.phase(
                        label, run + ", " + epochs + (epochs == 1 ? " epoch" : " epochs") + " (" + steps + " steps)");
                try (Lane lane = new Lane(
                        setup, label, models.get(model.plugin()), model.params(), DataType.FLOAT32, model.weights())) {
                    for (int s = 0; s < steps; s++) {
                        double loss = lane.step(s, false).loss();
                        progress.step(label, s, steps, loss);
                        CheckStoppedException.ifRequested(stop, label, run, s, steps);
                        if (!Double.isFinite(loss)) {
                            break; // its evaluation shows it; the comparison calls the outcome different
                        }
                    }
                    evaluations.add(lane.trainer().evaluate(splits.validation()));
                }
            }
            runs.add(evaluations);
        }
        return OutcomeComparison.of(label, a, b, spec, seeds, epochs, runs.get(0), runs.get(1));
    }

    private static long seed(Side side) {
        return side.experiment().seeds().get(0);
    }

    /** The steps to compare: the file's, or one epoch; never more than the run trains. */
    private static int steps(String file, Check check, Side a, DataSplits data) {
        int batch = a.experiment().training().batchSize();
        int perEpoch = Batch.perEpoch(data.train().size(), batch);
        int epochs = a.experiment().training().epochs();
        int total = perEpoch * epochs;
        int steps = check.steps().orElse(perEpoch);
        if (steps > total) {
            throw new UserException(file + ": check.steps is " + steps + ", but the run trains only " + total
                    + " steps (training.epochs " + epochs + " x " + perEpoch + " steps of " + batch + " of the "
                    + data.train().size() + " training examples); allowed: at most " + total
                    + ", or raise training.epochs");
        }
        return steps;
    }

    private Lane lane(Side side, String label, DataType precision, EngineSession session, DataSplits data) {
        Experiment e = side.experiment();
        PluginUse model = e.models().get(label);
        if (model == null) {
            throw new IllegalArgumentException("side " + side.name() + " has no model '" + label + "'");
        }
        TrainingSetup setup = assembly.setup(e, session, data, seed(side));
        return new Lane(setup, label, models.get(model.plugin()), model.params(), precision, model.weights());
    }
}
