package dev.replica.runner;

import ai.djl.ndarray.types.DataType;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineContext;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.engine.DeterminismProbe;
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

    /**
     * Trains and prints.
     *
     * @param args the resolved experiment file, the steps, the data folder, the instruction set
     */
    public static void main(String[] args) {
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
                    traces.addAll(traced);
                }
            }
        }
        DeterminismProbe.answer(traces);
    }
}
