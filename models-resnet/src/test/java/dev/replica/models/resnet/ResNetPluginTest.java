package dev.replica.models.resnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.Params;
import dev.replica.core.exchange.PyTorchWeights;
import dev.replica.core.exchange.StoredTensor;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.state.ModelState;
import dev.replica.testkit.InitAssertions;
import dev.replica.testkit.ModelHarness;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResNetPluginTest {

    private final ResNetPlugin plugin = new ResNetPlugin();

    @Test
    void isFoundByTheServiceLoaderUnderItsName() {
        List<String> names = new ArrayList<>();
        for (ModelPlugin p : ServiceLoader.load(ModelPlugin.class)) {
            names.add(p.name() + "=" + p.getClass().getName());
        }
        assertThat(names).contains("resnet=" + ResNetPlugin.class.getName());
    }

    @Test
    void defaultsAreDepth18Width64AndTenClasses() {
        assertThat(plugin.schema().defaults().asMap())
                .containsExactly(entry("depth", 18), entry("width", 64), entry("classes", 10));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "depth   | 19 | 19 is not allowed; allowed: [18, 34]",
                "width   | 0  | 0 is out of range; allowed: >= 1 and <= 512",
                "classes | 1  | 1 is out of range; allowed: >= 2 and <= 100000",
            })
    void badValuesAreRejectedWithTheExactProblem(String key, int value, String message) {
        assertThat(plugin.schema().validate(Map.of(key, value)).problems())
                .containsExactly(new ParameterProblem(key, message));
    }

    @ParameterizedTest(name = "depth {0}, width {1}: {2}")
    @CsvSource({"18, 64, 11173962", "18, 16, 701466", "34, 64, 21282122"})
    void trainableParametersAreCountedAsInTheStudy(int depth, int width, long expected) {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of("depth", depth, "width", width));
            assertThat(Blocks.trainableParameterCount(block)).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "depth {0}")
    @CsvSource({"18, 20", "34, 36"})
    void aProjectionShortcutAppearsOnlyAtTheFirstBlockOfStages2To4(int depth, int convolutions) {
        Block block = plugin.create(
                ModelHarness.params(plugin, Map.of("depth", depth)),
                ModelHarness.context("r", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> shortcuts = new ArrayList<>();
        int convs = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof SeededInitializer) {
                String stream = ((SeededInitializer) p.getValue().getInitializer())
                        .stream().path();
                if (stream.contains("shortcut")) {
                    shortcuts.add(stream);
                }
                if (stream.endsWith("conv/weight") || stream.matches(".*conv\\d/weight")) {
                    convs++;
                }
            }
        }
        assertThat(shortcuts)
                .containsExactly(
                        "init/r/stage2/block1/shortcut/conv/weight",
                        "init/r/stage3/block1/shortcut/conv/weight",
                        "init/r/stage4/block1/shortcut/conv/weight");
        assertThat(convs).isEqualTo(convolutions);
    }

    @Test
    void everyParameterDrawsFromAStreamNamedByItsPlace() {
        Block block = plugin.create(
                plugin.schema().defaults(), ModelHarness.context("resnet18", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> streams = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof SeededInitializer) {
                streams.add(((SeededInitializer) p.getValue().getInitializer())
                        .stream().path());
            }
        }
        assertThat(streams)
                .hasSize(22)
                .startsWith(
                        "init/resnet18/stem/conv/weight",
                        "init/resnet18/stage1/block1/conv1/weight",
                        "init/resnet18/stage1/block1/conv2/weight",
                        "init/resnet18/stage1/block2/conv1/weight")
                .endsWith(
                        "init/resnet18/stage4/block2/conv2/weight", "init/resnet18/fc/weight", "init/resnet18/fc/bias");
    }

    @Test
    void everyLayerOfTheFullWidthResNet18FollowsTheInitialisationRules() {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of());
            int convs = 0;
            int norms = 0;
            int linears = 0;
            for (Map.Entry<String, Block> leaf : ModelHarness.leaves(block).entrySet()) {
                String path = leaf.getKey();
                Block layer = leaf.getValue();
                if (layer instanceof Conv2d) {
                    convs++;
                    Parameter weight = layer.getParameters().get("weight");
                    assertThat(layer.getParameters().keys()).as(path).containsExactly("weight");
                    InitAssertions.assertHeNormal(
                            path,
                            weight.getArray().toFloatArray(),
                            SeededInitializer.fan(weight.getArray().getShape(), SeededInitializer.Fan.IN));
                } else if (layer instanceof BatchNorm) {
                    norms++;
                    assertBatchNormAtOneAndZero(path, layer);
                } else if (layer instanceof Linear) {
                    linears++;
                    double bound = 1 / Math.sqrt(512);
                    InitAssertions.assertUniform(path + "_weight", values(layer, "weight"), bound);
                    InitAssertions.assertUniform(path + "_bias", values(layer, "bias"), bound);
                } else {
                    throw new AssertionError("unexpected layer with parameters at " + path + ": " + layer);
                }
            }
            assertThat(new int[] {convs, norms, linears}).containsExactly(20, 20, 1);
        }
    }

    @Test
    void batchNormLayersUseTheDefaultConstantInitializers() {
        Block block =
                plugin.create(plugin.schema().defaults(), ModelHarness.context("r", 0, ModelHarness.CIFAR_EXAMPLE));
        int checked = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            if (type == Parameter.Type.GAMMA || type == Parameter.Type.RUNNING_VAR) {
                assertThat(p.getValue().getInitializer()).as(p.getKey()).isSameAs(Initializer.ONES);
                checked++;
            } else if (type == Parameter.Type.BETA || type == Parameter.Type.RUNNING_MEAN) {
                assertThat(p.getValue().getInitializer()).as(p.getKey()).isSameAs(Initializer.ZEROS);
                checked++;
            }
        }
        // 20 BatchNorm layers (stem, 16 in blocks, 3 shortcuts), four parameters each.
        assertThat(checked).isEqualTo(80);
    }

    private static void assertBatchNormAtOneAndZero(String path, Block layer) {
        InitAssertions.assertConstant(path + "_gamma", values(layer, "gamma"), 1f);
        InitAssertions.assertConstant(path + "_beta", values(layer, "beta"), 0f);
        InitAssertions.assertConstant(path + "_runningMean", values(layer, "runningMean"), 0f);
        InitAssertions.assertConstant(path + "_runningVar", values(layer, "runningVar"), 1f);
    }

    private static float[] values(Block layer, String name) {
        return layer.getParameters().get(name).getArray().toFloatArray();
    }

    private Block build(NDManager manager, Map<String, Object> params) {
        return ModelHarness.buildAndInitialize(
                plugin, params, ModelHarness.context("resnet", 0, ModelHarness.CIFAR_EXAMPLE), manager, 1);
    }

    /**
     * The names and shapes are those of the PyTorch model's {@code state_dict} (without
     * {@code num_batches_tracked}), as {@code tools/pytorch/state_dict_names.py resnet} printed them.
     */
    @Test
    void pytorchNamesAndShapesAreThoseOfThePyTorchModel() throws IOException {
        List<String> expected;
        try (InputStream in = getClass().getResourceAsStream("/pytorch-resnet18-state-dict.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            assertThat(ModelHarness.pytorchStateDict(plugin, Map.of("depth", 18, "width", 64), manager))
                    .as("ResNet-18 state_dict")
                    .containsExactlyElementsOf(expected);
        }
    }

    /**
     * A file exported before the names were torchvision's ({@code shortcut.*}, {@code linear.*}) loads,
     * every tensor where today's name puts it, and says which it read under a former name.
     */
    @Test
    void weightsInTheFormerNamesLoadAsTodays(@TempDir Path dir) throws IOException {
        try (EngineSession session = ModelHarness.openEngine("mxnet");
                NDManager manager = session.newManager()) {
            Map<String, Object> raw = Map.of("depth", 18, "width", 4);
            Params params = ModelHarness.params(plugin, raw);
            Block source = ModelHarness.buildAndInitialize(
                    plugin, raw, ModelHarness.context("resnet", 1, ModelHarness.CIFAR_EXAMPLE), manager, 1);
            Map<String, StoredTensor> former = new LinkedHashMap<>();
            PyTorchWeights.export(plugin, params, source)
                    .forEach((name, t) -> former.put(
                            name.replaceFirst("^(layer\\d\\.0)\\.downsample\\.", "$1.shortcut.")
                                    .replaceFirst("^fc\\.", "linear."),
                            t));
            assertThat(former.keySet())
                    .contains("layer2.0.shortcut.0.weight", "linear.weight")
                    .noneMatch(n -> n.contains("downsample") || n.startsWith("fc."));
            Path file = dir.resolve("former.safetensors");
            WeightsFile.SAFETENSORS.write(file, new WeightsFile.Contents(former, Map.of()));

            Block target = build(manager, raw);
            Map<String, String> renamed = PyTorchWeights.load(file, plugin, params, target, "res");
            assertThat(renamed)
                    .hasSize(17)
                    .containsEntry("layer2.0.shortcut.0.weight", "layer2.0.downsample.0.weight")
                    .containsEntry("layer4.0.shortcut.1.running_var", "layer4.0.downsample.1.running_var")
                    .containsEntry("linear.bias", "fc.bias");
            assertThat(ModelState.checksum(target)).isEqualTo(ModelState.checksum(source));
        }
    }
}
