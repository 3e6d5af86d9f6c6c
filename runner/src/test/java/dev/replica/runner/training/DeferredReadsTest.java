package dev.replica.runner.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.core.state.EpochRecord;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.TrainingSetup;
import dev.replica.core.training.TrainingStep;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.TinyExperiment;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast loop changes no bit: steps whose batches were made ahead on another thread and whose figures
 * were read together, once per log interval, give the losses, the epoch's sums and the weights of steps
 * trained and read one at a time.
 */
class DeferredReadsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void stepsReadTogetherEqualStepsReadOneByOne(String engine) throws Exception {
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        Experiment experiment = new ExperimentLoader(registry).load(TinyExperiment.write(dir, engine, 3, 2), List.of());
        RunAssembly assembly = new RunAssembly(registry, Environment.from(Map.of()));
        try (EngineSession session = assembly.openEngine(experiment)) {
            DataSplits data = assembly.openData(experiment, 3);
            TrainingSetup setup = assembly.setup(experiment, session, data, 3);
            for (Map.Entry<String, PluginUse> m : experiment.models().entrySet()) {
                ModelPlugin plugin = registry.model(m.getValue().plugin());
                int steps = 2 * setup.stepsPerEpoch();
                try (ModelTrainer together = new ModelTrainer(
                                setup, m.getKey(), plugin, m.getValue().params());
                        ModelTrainer oneByOne = new ModelTrainer(
                                setup, m.getKey(), plugin, m.getValue().params());
                        ModelTrainer epochs = new ModelTrainer(
                                setup, m.getKey(), plugin, m.getValue().params())) {
                    List<Double> read = together.trainSteps(0, steps);
                    List<Double> single = new ArrayList<>();
                    double lossSum = 0;
                    for (int s = 0; s < steps; s++) {
                        TrainingStep.Outcome r = oneByOne.trainStep(s).outcome();
                        single.add(r.loss());
                        if (s < setup.stepsPerEpoch()) {
                            lossSum += r.loss() * r.examples();
                        }
                    }
                    assertThat(read).as(m.getKey()).isEqualTo(single);
                    assertThat(weights(together)).as(m.getKey()).isEqualTo(weights(oneByOne));
                    EpochRecord first = epochs.trainEpoch(1, ProgressListener.SILENT);
                    assertThat(first.trainLoss())
                            .as(m.getKey())
                            .isEqualTo(lossSum / data.train().size());
                }
            }
        }
    }

    /** Every parameter's values, one after another (BatchNorm's running statistics too). */
    private static float[] weights(ModelTrainer trainer) {
        List<Float> values = new ArrayList<>();
        for (Pair<String, Parameter> p : trainer.block().getParameters()) {
            NDArray a = p.getValue().getArray();
            for (float v : a.toFloatArray()) {
                values.add(v);
            }
        }
        float[] all = new float[values.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = values.get(i);
        }
        return all;
    }
}
