package dev.replica.cli;

import dev.replica.api.UserException;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.runner.Environment;
import dev.replica.runner.TrainedModel;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options that pick trained models out of a run folder, shared by {@code eval}, {@code predict} and
 * {@code export}: which models, which seed, which weights, and where the data is now.
 */
final class RunModels {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run folder, as 'replica run' printed it")
    Path run;

    @Option(
            names = "--model",
            split = ",",
            paramLabel = "LABEL",
            description = "only these models (default: every model of the run)")
    List<String> labels;

    @Option(names = "--seed", paramLabel = "N", description = "the seed of a run with several (default: its first)")
    Long seed;

    @Option(
            names = "--weights",
            paramLabel = "WHICH",
            defaultValue = "best",
            description = "best (the best-validation weights the summary measures) or final (the last "
                    + "checkpoint); default: ${DEFAULT-VALUE}")
    String weights;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "the dataset's folder, when it is not where the run found it (sets dataset.params.root)")
    Path data;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "change the data, e.g. --set dataset.params.test_limit=0 for the whole test set "
                    + "(keys under dataset.params only; repeatable)")
    List<String> dataOverrides = new ArrayList<>();

    /** The run's experiment, with the data the options give. */
    Experiment experiment(PluginRegistry registry) {
        RunFolder.existing(run);
        List<String> overrides = new ArrayList<>();
        for (String o : dataOverrides) {
            if (!o.startsWith("dataset.params.")) {
                throw new UserException("--set " + o + ": only the data can change here; allowed: keys under "
                        + "dataset.params, e.g. dataset.params.test_limit=0");
            }
            overrides.add(o);
        }
        if (data != null) {
            overrides.add("dataset.params.root=" + data.toAbsolutePath().normalize());
        }
        return new ExperimentLoader(registry).loadRecorded(run.resolve(RunFolder.EXPERIMENT), overrides);
    }

    /** The labels asked for, every one a model of the run. */
    List<String> labels(Experiment experiment) {
        if (labels == null || labels.isEmpty()) {
            return List.copyOf(experiment.models().keySet());
        }
        for (String l : labels) {
            if (!experiment.models().containsKey(l)) {
                throw new UserException("--model " + l + ": " + run + " has no such model; its models: "
                        + experiment.models().keySet());
            }
        }
        return List.copyOf(labels);
    }

    TrainedModel.Weights which() {
        return switch (weights) {
            case "best" -> TrainedModel.Weights.BEST;
            case "final" -> TrainedModel.Weights.FINAL;
            default -> throw new UserException("--weights " + weights + " is not allowed; allowed: best, final");
        };
    }

    /** Opens one model; the caller closes it. */
    TrainedModel open(PluginRegistry registry, Environment environment, Experiment experiment, String label) {
        return TrainedModel.open(registry, environment, experiment, run, label, seed, which());
    }

    /**
     * A file name stem for a model: its label, its seed when the run has several, {@code -final} for final.
     */
    String stem(Experiment experiment, String label) {
        return label
                + (experiment.seeds().size() > 1
                        ? "-seed-" + (seed == null ? experiment.seeds().get(0) : seed)
                        : "")
                + (which() == TrainedModel.Weights.FINAL ? "-final" : "");
    }

    /** What a command checks of the run's experiment before it opens any model. */
    @FunctionalInterface
    interface Before {
        void check(Experiment experiment) throws IOException;
    }

    /** What a command does with each model. */
    @FunctionalInterface
    interface Action {
        void on(Experiment experiment, TrainedModel model) throws IOException;
    }

    /**
     * Locks the run folder (exclusively for a command that writes into it), then opens each model asked
     * for in turn, on the run's engine and data, and hands it to the command: eval, export and predict.
     */
    void forEach(ReplicaCli parent, String command, boolean exclusive, Before before, Action action)
            throws IOException {
        // The experiment is read (and refused) before the lock file is made: a refusal leaves the folder as it was.
        PluginRegistry registry = parent.registry();
        Experiment experiment = experiment(registry);
        try (RunLock held = lock(exclusive, command)) {
            before.check(experiment);
            for (String label : labels(experiment)) {
                try (TrainedModel model = open(registry, Environment.from(parent.env()), experiment, label)) {
                    action.on(experiment, model);
                }
            }
        }
    }

    /** Locks the run folder: exclusively for a command that writes into it, shared for one that reads. */
    RunLock lock(boolean exclusive, String command) {
        RunFolder.existing(run);
        return exclusive ? RunLock.exclusive(run, command) : RunLock.shared(run, command);
    }
}
