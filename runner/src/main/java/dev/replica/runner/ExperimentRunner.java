package dev.replica.runner;

import ai.djl.ndarray.types.DataType;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.Evaluation;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingSetup;
import dev.replica.core.training.TrainingStoppedException;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.output.SeedSummaryTable;
import dev.replica.runner.output.SummaryTable;
import dev.replica.runner.plugin.PluginRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns a validated experiment into a finished run folder: trains every model for every seed, keeps
 * the best weights and checkpoints, and ends with the study's table measured from the best weights.
 */
public final class ExperimentRunner {

    private static final Logger LOG = LogManager.getLogger(ExperimentRunner.class);

    private final RunAssembly assembly;
    private final Map<String, ModelPlugin> models;

    /**
     * Creates the runner.
     *
     * @param registry every plugin
     * @param models the model plugins by name
     * @param environment settings from outside the experiment file
     */
    @Inject
    public ExperimentRunner(PluginRegistry registry, Map<String, ModelPlugin> models, Environment environment) {
        this.assembly = new RunAssembly(registry, environment);
        this.models = models;
    }

    /**
     * What a run produced.
     *
     * @param folder the run folder
     * @param table the study's table (for the first seed when there are several)
     * @param checksums the final weights' SHA-256 per model (and seed)
     */
    public record Outcome(RunFolder folder, SummaryTable table, SortedMap<String, String> checksums) {}

    /**
     * Runs an experiment in a run folder whose {@code experiment.yaml} is already written; models
     * with a checkpoint continue from it.
     *
     * @param experiment the experiment
     * @param folder the run folder
     * @param listener progress display
     * @return the outcome
     * @throws IOException when writing outputs fails
     */
    public Outcome run(Experiment experiment, RunFolder folder, ProgressListener listener) throws IOException {
        return run(experiment, folder, listener, StopRequest.NEVER);
    }

    /**
     * Runs an experiment, stopping at the next step boundary when asked (Ctrl-C, SIGTERM): the model
     * being trained then has a checkpoint of that step, and {@code --resume} continues from it.
     *
     * @param experiment the experiment
     * @param folder the run folder
     * @param listener progress display
     * @param stop checked after every step and before every model
     * @return the outcome
     * @throws IOException when writing outputs fails
     * @throws TrainingStoppedException when a stop was requested, after the checkpoint was written
     */
    public Outcome run(Experiment experiment, RunFolder folder, ProgressListener listener, StopRequest stop)
            throws IOException {
        RunManifest manifest = assembly.manifest(folder, experiment, "run", experiment.seeds(), List.of(experiment));
        Path manifestFile = folder.path().resolve(RunFolder.MANIFEST);
        try (EngineSession session = assembly.openEngine(experiment, folder.path())) {
            SortedMap<String, String> engineFacts = assembly.describeEngine(session, experiment.engine());
            manifest = manifest.withEngine(engineFacts);
            manifest.write(manifestFile);
            SelfCheck selfCheck = new SelfCheck(session, experiment.engine());

            SummaryTable first = null;
            List<SummaryTable> tables = new ArrayList<>();
            SortedMap<String, String> checksums = new TreeMap<>();
            boolean several = experiment.seeds().size() > 1;
            SortedMap<String, RunManifest.DatasetFacts> datasets = new TreeMap<>();
            for (long seed : experiment.seeds()) {
                DataSplits data = assembly.openData(experiment, seed);
                datasets.put(Long.toString(seed), RunAssembly.datasetFacts(data));
                manifest = manifest.withDatasets(datasets);
                manifest.write(manifestFile);
                List<SummaryTable.Row> rows = new ArrayList<>();
                for (Map.Entry<String, PluginUse> m : experiment.models().entrySet()) {
                    if (stop.requested()) {
                        throw new TrainingStoppedException(
                                "stopped (" + stop.reason() + ") before model '" + m.getKey() + "'", null);
                    }
                    TrainingSetup setup = assembly.setup(experiment, session, data, seed);
                    ModelFiles files = folder.model(m.getKey(), several ? seed : null);
                    LOG.info(
                            "Training {} ({}{}) on {}, {} epochs of {} steps",
                            m.getKey(),
                            m.getValue().plugin(),
                            several ? ", seed " + seed : "",
                            experiment.engine().plugin(),
                            experiment.training().epochs(),
                            setup.stepsPerEpoch());
                    try (ModelTrainer trainer = new ModelTrainer(
                            setup,
                            m.getKey(),
                            models.get(m.getValue().plugin()),
                            m.getValue().params(),
                            DataType.FLOAT32,
                            // A model with a checkpoint continues from it: its initial weights are not read again.
                            new Checkpoint(files.checkpoint()).exists()
                                    ? null
                                    : m.getValue().weights())) {
                        if (seed == experiment.seeds().get(0) && !new Checkpoint(files.checkpoint()).exists()) {
                            selfCheck.watch(trainer);
                        } else {
                            selfCheck.skip(m.getKey(), "resumed from a checkpoint, or not the probe's seed");
                        }
                        Checkpoint.Progress progress = trainer.train(files, listener, stop);
                        engineFacts.putAll(selfCheck.facts());
                        manifest = manifest.withEngine(engineFacts);
                        checksums.put(
                                files.folder()
                                        .toString()
                                        .substring(folder.path().toString().length() + 1),
                                ModelState.checksum(trainer.block()));
                        ModelState.load(trainer.block(), files.bestWeights());
                        Evaluation test = trainer.evaluate(data.test(), "test", listener);
                        rows.add(new SummaryTable.Row(
                                m.getKey(),
                                test.loss(),
                                test.accuracy(),
                                Blocks.trainableParameterCount(trainer.block()),
                                progress.bestValAccuracy(),
                                progress.bestEpoch()));
                    }
                }
                SummaryTable table = new SummaryTable(rows);
                Path target = several ? folder.path().resolve(RunFolder.seedFolder(seed)) : folder.path();
                Files.createDirectories(target);
                SafeFiles.writeAtomically(target.resolve(RunFolder.SUMMARY_MD), table.markdown());
                SafeFiles.writeAtomically(target.resolve(RunFolder.SUMMARY_CSV), table.csv());
                if (first == null) {
                    first = table;
                }
                tables.add(table);
            }
            if (several) {
                // The aggregate over seeds: mean and sample standard deviation (docs/design.md, section 8).
                SeedSummaryTable overSeeds = new SeedSummaryTable(experiment.seeds(), tables);
                SafeFiles.writeAtomically(folder.path().resolve(RunFolder.SUMMARY_MD), overSeeds.markdown());
                SafeFiles.writeAtomically(folder.path().resolve(RunFolder.SUMMARY_CSV), overSeeds.csv());
                SafeFiles.writeAtomically(folder.path().resolve("differences.csv"), overSeeds.differencesCsv());
            }
            manifest = manifest.withWeights(checksums);
            manifest.write(manifestFile);
            return new Outcome(folder, first, checksums);
        }
    }
}
