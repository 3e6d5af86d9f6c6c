package dev.replica.runner.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.training.NonFiniteLossException;
import dev.replica.core.training.ProgressListener;
import dev.replica.runner.Environment;
import dev.replica.runner.ExperimentRunner;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A NaN loss stops the run at that step, names it and the last good checkpoint, and leaves that
 * checkpoint, the history and the best weights as they were after the last good epoch.
 */
class NonFiniteLossTest {

    @TempDir
    Path dir;

    /** A linear model whose output turns to NaN from a given training step on. */
    static final class NanFromStep implements ModelPlugin {
        @Override
        public String name() {
            return "nan-from-step";
        }

        @Override
        public ParameterSchema schema() {
            return ParameterSchema.of(
                    ParameterSpec.integer("step", "the first global training step whose loss is NaN")
                            .withDefault(4),
                    ParameterSpec.integer("classes", "number of classes").withDefault(4));
        }

        @Override
        public Block create(Params params, ModelContext context) {
            long from = params.getInt("step");
            int inputs = (int) context.exampleShape().size();
            return new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(TorchLayers.linear(
                            params.getInt("classes"),
                            inputs,
                            context.initSeeds().child("fc")))
                    .add(new LambdaBlock(x -> context.trainingStep().getAsLong() >= from
                            ? new NDList(x.singletonOrThrow().mul(Float.NaN))
                            : x));
        }
    }

    /**
     * A linear model with a gate {@code x * (1 + 0 * sqrt(g))}, g = 0, from a given step on: the output
     * and the loss stay finite, but the gate's gradient is {@code 0 * 0.5 / sqrt(0)}, NaN, on both engines.
     */
    static final class NanGradientFromStep implements ModelPlugin {
        @Override
        public String name() {
            return "nan-gradient";
        }

        @Override
        public ParameterSchema schema() {
            return new NanFromStep().schema();
        }

        @Override
        public Block create(Params params, ModelContext context) {
            int inputs = (int) context.exampleShape().size();
            return new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(TorchLayers.linear(
                            params.getInt("classes"),
                            inputs,
                            context.initSeeds().child("fc")))
                    .add(new SqrtGate(params.getInt("step"), context.trainingStep()));
        }
    }

    /** {@code x * (1 + 0 * sqrt(g))} with g = 0 from a step on, the identity before. */
    static final class SqrtGate extends AbstractBlock {
        private final Parameter gate;
        private final long from;
        private final LongSupplier step;

        SqrtGate(long from, LongSupplier step) {
            super((byte) 1);
            this.from = from;
            this.step = step;
            this.gate = addParameter(Parameter.builder()
                    .setName("gate")
                    .setType(Parameter.Type.WEIGHT)
                    .optInitializer(Initializer.ZEROS)
                    .optShape(new Shape(1))
                    .build());
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray g = store.getValue(gate, x.getDevice(), training);
            if (step.getAsLong() < from) {
                return new NDList(x.add(g.mul(0)));
            }
            return new NDList(x.mul(g.sqrt().mul(0).add(1)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    private record Stopped(NonFiniteLossException exception, RunFolder folder) {}

    private Stopped trainUntilItStops(String engine, String model) throws Exception {
        PluginRegistry registry =
                withNanPlugin(PluginRegistry.discover(getClass().getClassLoader()));
        Path file = dir.resolve("nan-" + engine + ".yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: nan",
                        "seed: 0",
                        // The model is this test's own, which the probe's processes cannot load, and it
                        // turns NaN on purpose: the probe proves nothing here.
                        "engine: {plugin: " + engine + ", threads: 2, determinism: relaxed}",
                        "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                        "models:",
                        "  lin: {plugin: " + model + ", params: {step: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.01}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 3, batch_size: 16}",
                        ""));
        Experiment experiment = new ExperimentLoader(registry).load(file, List.of());
        RunFolder folder = experiment.startFolder(dir.resolve("runs-" + engine));
        Map<String, ModelPlugin> models = new TreeMap<>();
        registry.all(PluginKind.MODEL).forEach((name, p) -> models.put(name, (ModelPlugin) p));
        ExperimentRunner runner = new ExperimentRunner(registry, models, Environment.from(Map.of()));
        NonFiniteLossException e = catchThrowableOfType(
                NonFiniteLossException.class, () -> runner.run(experiment, folder, ProgressListener.SILENT));
        return new Stopped(e, folder);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aNanGradientWithAFiniteLossStopsAtItsStepAndWritesNothingAfter(String engine) throws Exception {
        Stopped s = trainUntilItStops(engine, "nan-gradient");
        Path checkpoint = s.folder().path().resolve("lin").resolve("checkpoint");
        assertThat(s.exception().epoch()).isEqualTo(2);
        assertThat(s.exception().step()).isEqualTo(2);
        assertThat(s.exception().getMessage())
                .startsWith("model 'lin': the gradient of 03SqrtGate_gate held a NaN or an infinity at epoch 2, "
                        + "step 2 of 3 (the loss was ")
                .contains("); training stopped there; the last good checkpoint, after epoch 1, is " + checkpoint
                        + ", and nothing after it was written.");
        assertThat(new Checkpoint(checkpoint).progress().epoch()).isEqualTo(1);
        assertThat(Files.readAllLines(s.folder().path().resolve("lin").resolve("history.csv")))
                .hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aNanLossStopsAtItsStepAndKeepsTheLastGoodEpoch(String engine) throws Exception {
        Stopped s = trainUntilItStops(engine, "nan-from-step");
        NonFiniteLossException e = s.exception();
        RunFolder folder = s.folder();
        // 48 examples in batches of 16: 3 steps an epoch; global step 4 is epoch 2, step 2.
        Path checkpoint = folder.path().resolve("lin").resolve("checkpoint");
        assertThat(e.epoch()).isEqualTo(2);
        assertThat(e.step()).isEqualTo(2);
        assertThat(e)
                .hasMessage("model 'lin': the loss was NaN at epoch 2, step 2 of 3; training stopped there; the "
                        + "last good checkpoint, after epoch 1, is " + checkpoint
                        + ", and nothing after it was written. A "
                        + "smaller learning rate may help; if the loss is finite on another machine or with engine.isa: avx2, "
                        + "run 'replica doctor'");
        assertThat(new Checkpoint(checkpoint).progress().epoch()).isEqualTo(1);
        assertThat(Files.readAllLines(folder.path().resolve("lin").resolve("history.csv")))
                .hasSize(2);
        assertThat(folder.path().resolve("lin").resolve("best.params")).isRegularFile();
    }

    private static PluginRegistry withNanPlugin(PluginRegistry discovered) {
        PluginRegistry.Builder builder = PluginRegistry.builder();
        for (PluginKind kind : PluginKind.values()) {
            for (Plugin p : discovered.all(kind).values()) {
                builder.add(kind, p);
            }
        }
        return builder.add(PluginKind.MODEL, new NanFromStep())
                .add(PluginKind.MODEL, new NanGradientFromStep())
                .build();
    }
}
