package dev.replica.runner;

import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineContext;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.ProbeWorkload;
import dev.replica.api.UserException;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.NonFiniteLossException;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One of the determinism probe's processes: trains the first steps of every model of an experiment, as
 * a run does (the same plugin, params, batches, update and training step), and prints their traces for
 * the parent to compare. It loads the engine with the instruction set it is given and proves nothing.
 */
public final class ProbeProcess {

    private ProbeProcess() {}

    /** The steps whose float32 and float64 losses are compared: the forward pass, and one update later. */
    private static final int EXACT_STEPS = 2;

    /**
     * Measures the float32 kernels against float64 ones: a float64 twin trains the first steps from the
     * same seeded weights and batches, and its losses must agree with the float32 trace's to what float32
     * rounding explains. The loss after one update weighs every gradient; a deterministic kernel that is
     * wrong passes the comparison of two processes, not this.
     */
    private static ProbeTrace measureInexactness(
            ProbeTrace trace, TrainingSetup setup, String label, ModelPlugin plugin, PluginUse use) {
        int steps = Math.min(EXACT_STEPS, trace.steps());
        List<Double> exact;
        try (ModelTrainer twin =
                new ModelTrainer(setup, label, plugin, use.params(), DataType.FLOAT64, use.weights())) {
            exact = twin.trainSteps(0, steps);
        } catch (NonFiniteLossException e) {
            return trace.withInexactness(Double.POSITIVE_INFINITY, "a float64 step that was not finite");
        }
        double worst = 0;
        String where = "";
        for (int s = 0; s < steps; s++) {
            double ratio = Math.abs(trace.loss(s) - exact.get(s)) / Math.abs(exact.get(s));
            if (ratio > worst) {
                worst = ratio;
                where = "the loss of step " + s;
            }
        }
        return trace.withInexactness(worst, where);
    }

    /**
     * Trains and prints.
     *
     * @param args the resolved experiment file, the steps, the data folder, the instruction set
     */
    public static void main(String[] args) {
        try {
            probe(args);
        } catch (UserException e) {
            // The run would stop with the same message (a model whose classes differ, missing data): say it so.
            System.out.println(ProbeWorkload.USER_ERROR_MARK + e.getMessage().replace('\n', ' '));
            System.out.flush();
            System.exit(2);
        }
    }

    private static void probe(String[] args) {
        Path file = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        Path dataRoot = Path.of(args[2]);
        String isa = args[3];
        PluginRegistry registry = PluginRegistry.discover(ProbeProcess.class.getClassLoader());
        Experiment experiment = new ExperimentLoader(registry).loadRecorded(file, List.of("engine.isa=" + isa));
        Environment environment =
                new Environment(dataRoot, EngineContext.from(System.getenv()).inProbeProcess());
        RunAssembly assembly = new RunAssembly(registry, environment);
        List<ProbeTrace> traces = new ArrayList<>();
        try (EngineSession session = assembly.openEngine(experiment)) {
            long seed = experiment.seeds().get(0);
            DataSplits data = assembly.openData(experiment, seed);
            for (Map.Entry<String, PluginUse> m : experiment.models().entrySet()) {
                TrainingSetup setup = assembly.setup(experiment, session, data, seed);
                ModelPlugin plugin = registry.get(PluginKind.MODEL, m.getValue().plugin());
                try (ModelTrainer trainer = new ModelTrainer(
                        setup,
                        m.getKey(),
                        plugin,
                        m.getValue().params(),
                        DataType.FLOAT32,
                        m.getValue().weights())) {
                    List<ProbeTrace> traced = new ArrayList<>(1);
                    trainer.traceFirstSteps(steps, traced::add);
                    try {
                        trainer.trainSteps(0, steps);
                    } catch (NonFiniteLossException e) {
                        // the trace ends with the non-finite step, which is what the parent needs to see
                    }
                    if (!traced.isEmpty() && traced.get(0).finite()) {
                        traces.add(measureInexactness(
                                traced.get(0),
                                assembly.setup(experiment, session, data, seed),
                                m.getKey(),
                                plugin,
                                m.getValue()));
                    } else {
                        traces.addAll(traced);
                    }
                }
            }
        }
        // The line the probe reads; then end, whatever threads the engine left running.
        System.out.println(ProbeWorkload.ANSWER_MARK + new Gson().toJson(traces));
        System.out.flush();
        System.exit(0);
    }
}
