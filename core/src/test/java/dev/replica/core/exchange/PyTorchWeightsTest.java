package dev.replica.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.StateDictNames;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import dev.replica.core.state.ModelState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export and import in PyTorch's names, on a toy network of a convolution, a BatchNorm and a linear layer. */
class PyTorchWeightsTest {

    @TempDir
    Path dir;

    /** conv (4 filters, no bias) -> BatchNorm -> average pool -> linear (3 classes). */
    static class Toy implements ModelPlugin {
        @Override
        public String name() {
            return "toy";
        }

        @Override
        public ParameterSchema schema() {
            return ParameterSchema.of();
        }

        @Override
        public Block create(Params params, ModelContext context) {
            SeedStream s = context.initSeeds();
            return new SequentialBlock()
                    .add(TorchLayers.heConv(3, 4, 1, Fan.IN, false, s.child("conv")))
                    .add(TorchLayers.batchNorm())
                    .add(Pool.globalAvgPool2dBlock())
                    .add(TorchLayers.linear(3, 4, s.child("fc")));
        }

        @Override
        public Optional<Map<String, String>> pytorchNames(Params params, Block block) {
            List<Block> layers = block.getChildren().values();
            return Optional.of(new StateDictNames(block)
                    .layer("conv1", layers.get(0))
                    .layer("bn1", layers.get(1))
                    .layer("fc", layers.get(3))
                    .build());
        }
    }

    /** The same network, its plugin silent about PyTorch names. */
    static final class Unnamed extends Toy {
        @Override
        public Optional<Map<String, String>> pytorchNames(Params params, Block block) {
            return Optional.empty();
        }
    }

    private static final Params NONE = ParameterSchema.of().validate(Map.of()).orElseThrow();

    private static Block toy(ModelPlugin plugin, NDManager manager, long seed) {
        ModelContext context = new ModelContext(
                "toy",
                SeedStream.root(seed).child("init"),
                SeedStream.root(seed).child("dropout"),
                () -> 0L,
                new Shape(3, 8, 8),
                3);
        Block block = plugin.create(NONE, context);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 8, 8));
        return block;
    }

    @Test
    void exportedWeightsLoadBackBitIdenticallyInEitherFormat() throws IOException {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Toy plugin = new Toy();
            Block source = toy(plugin, manager, 1);
            ModelState.arrays(source).values().forEach(a -> a.addi(0.25f)); // running stats too
            Map<String, StoredTensor> tensors = PyTorchWeights.export(plugin, NONE, source);
            assertThat(tensors.keySet())
                    .containsExactly(
                            "conv1.weight",
                            "bn1.weight",
                            "bn1.bias",
                            "bn1.running_mean",
                            "bn1.running_var",
                            "fc.weight",
                            "fc.bias");
            for (WeightsFile format : WeightsFile.values()) {
                Path file = dir.resolve("toy." + format.extension());
                format.write(file, new WeightsFile.Contents(tensors, Map.of()));
                Block target = toy(plugin, manager, 2);
                assertThat(ModelState.checksum(target)).isNotEqualTo(ModelState.checksum(source));
                PyTorchWeights.load(file, plugin, NONE, target, "toy");
                assertThat(ModelState.checksum(target)).isEqualTo(ModelState.checksum(source));
            }
        }
    }

    @Test
    void pytorchsBatchCounterIsIgnoredAndEverythingElseMustFit() throws IOException {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Toy plugin = new Toy();
            Block block = toy(plugin, manager, 1);
            Map<String, StoredTensor> tensors = new LinkedHashMap<>(PyTorchWeights.export(plugin, NONE, block));
            tensors.put("bn1.num_batches_tracked", new StoredTensor(TensorType.I64, new long[0], new byte[8]));
            Path file = dir.resolve("with-counter.safetensors");
            WeightsFile.SAFETENSORS.write(file, new WeightsFile.Contents(tensors, Map.of()));
            PyTorchWeights.load(file, plugin, NONE, toy(plugin, manager, 2), "toy");

            Map<String, StoredTensor> wrong = new LinkedHashMap<>(tensors);
            wrong.remove("bn1.running_var");
            wrong.put("fc.weight", StoredTensor.ofFloats(new Shape(3, 5), new float[15]));
            wrong.put("fc.bias", new StoredTensor(TensorType.F64, new long[] {3}, new byte[24]));
            wrong.put("layer9.conv.weight", StoredTensor.ofFloats(new Shape(1), new float[1]));
            Path bad = dir.resolve("wrong.safetensors");
            WeightsFile.SAFETENSORS.write(bad, new WeightsFile.Contents(wrong, Map.of()));
            assertThatThrownBy(() -> PyTorchWeights.load(bad, plugin, NONE, toy(plugin, manager, 2), "toy"))
                    .isInstanceOf(UserException.class)
                    .hasMessageContaining("wrong.safetensors does not fit model 'toy' (plugin 'toy'")
                    .hasMessageContaining("missing 1 of the model's 7 tensors: bn1.running_var")
                    .hasMessageContaining("fc.weight has shape (3, 5), the model has (3, 4)")
                    .hasMessageContaining("fc.bias is F64; Replica's models hold F32")
                    .hasMessageContaining("holds 1 tensors the model does not have: layer9.conv.weight");
        }
    }

    @Test
    void aPluginWithoutNamesGetsAMessageNotAGuess() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Unnamed plugin = new Unnamed();
            Block block = toy(plugin, manager, 1);
            assertThatThrownBy(() -> PyTorchWeights.export(plugin, NONE, block))
                    .isInstanceOf(UserException.class)
                    .hasMessageContaining("model plugin 'toy'")
                    .hasMessageContaining("declares no PyTorch names");
        }
    }

    @Test
    void unreadableOrForeignFilesAreNamed() throws IOException {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Toy plugin = new Toy();
            Block block = toy(plugin, manager, 1);
            Path pt = dir.resolve("model.pt");
            Files.writeString(pt, "pickle");
            assertThatThrownBy(() -> PyTorchWeights.load(pt, plugin, NONE, block, "toy"))
                    .hasMessageContaining("model.pt: weights of model 'toy' must be a .safetensors or .npz file");
            Path broken = dir.resolve("broken.safetensors");
            Files.writeString(broken, "not safetensors");
            assertThatThrownBy(() -> PyTorchWeights.load(broken, plugin, NONE, block, "toy"))
                    .isInstanceOf(UserException.class)
                    .hasMessageContaining("broken.safetensors is not a valid safetensors file")
                    .hasMessageContaining("(weights of model 'toy')");
        }
    }
}
