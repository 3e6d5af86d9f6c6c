package dev.replica.models.vgg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
import dev.replica.api.nn.SeededDropout;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.params.ParameterProblem;
import dev.replica.testkit.InitAssertions;
import dev.replica.testkit.ModelHarness;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class VggPluginTest {

    private final VggPlugin plugin = new VggPlugin();

    @Test
    void isFoundByTheServiceLoaderUnderItsName() {
        List<String> names = new ArrayList<>();
        for (ModelPlugin p : ServiceLoader.load(ModelPlugin.class)) {
            names.add(p.name() + "=" + p.getClass().getName());
        }
        assertThat(names).contains("vgg=" + VggPlugin.class.getName());
    }

    @Test
    void defaultsAreVgg19WithBatchNormFullWidthHalfDropoutAndTenClasses() {
        assertThat(plugin.schema().defaults().asMap())
                .containsExactly(
                        entry("depth", 19),
                        entry("batch_norm", true),
                        entry("width_divisor", 1),
                        entry("dropout", 0.5),
                        entry("classes", 10));
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("depth", 12, "12 is not allowed; allowed: [11, 13, 16, 19]"),
                Arguments.of("batch_norm", "yes", "'yes' is not a boolean (true or false)"),
                Arguments.of("width_divisor", 3, "3 is not allowed; allowed: [1, 2, 4, 8, 16, 32, 64]"),
                Arguments.of("dropout", -0.1, "-0.1 is out of range; allowed: >= 0 and < 1"),
                Arguments.of("dropout", 1, "1 is out of range; allowed: >= 0 and < 1"),
                Arguments.of("classes", 1, "1 is out of range; allowed: >= 2 and <= 100000"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badValues")
    void badValuesAreRejectedWithTheExactProblem(String key, Object value, String message) {
        assertThat(plugin.schema().validate(Map.of(key, value)).problems())
                .containsExactly(new ParameterProblem(key, message));
    }

    @ParameterizedTest(name = "vgg{0}, batch_norm {1}, width_divisor {2}: {3}")
    @CsvSource({
        "19, true,  1, 38958922",
        "19, true,  4, 2447578",
        "19, false, 4, 2444826",
        "16, true,  4, 2114842",
        "13, true,  4, 1782106",
        "11, true,  4, 1770442",
        "11, false, 4, 1769066",
    })
    void trainableParametersAreCountedAsInTorchvisionWithTheCifarHead(
            int depth, boolean batchNorm, int divisor, long expected) {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of("depth", depth, "batch_norm", batchNorm, "width_divisor", divisor));
            assertThat(Blocks.trainableParameterCount(block)).isEqualTo(expected);
            long norms = ModelHarness.leaves(block).values().stream()
                    .filter(b -> b instanceof BatchNorm)
                    .count();
            assertThat(norms).isEqualTo(batchNorm ? depth - 3 : 0);
        }
    }

    @Test
    void everyParameterDrawsFromAStreamNamedByItsPlace() {
        Block block = plugin.create(
                plugin.schema().defaults(), ModelHarness.context("vgg19bn", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> streams = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof SeededInitializer) {
                streams.add(((SeededInitializer) p.getValue().getInitializer())
                        .stream().path());
            }
        }
        // The first convolution's bias is drawn; the other convolutions' biases are zero.
        assertThat(streams)
                .hasSize(2 + 15 + 6)
                .startsWith(
                        "init/vgg19bn/features/conv1/weight",
                        "init/vgg19bn/features/conv1/bias",
                        "init/vgg19bn/features/conv2/weight")
                .endsWith(
                        "init/vgg19bn/features/conv16/weight",
                        "init/vgg19bn/head/fc1/weight",
                        "init/vgg19bn/head/fc1/bias",
                        "init/vgg19bn/head/fc2/weight",
                        "init/vgg19bn/head/fc2/bias",
                        "init/vgg19bn/head/fc3/weight",
                        "init/vgg19bn/head/fc3/bias");
    }

    @Test
    void theHeadDropsOutWithItsOwnSeededStreams() {
        Block block = plugin.create(
                plugin.schema().defaults(), ModelHarness.context("vgg19bn", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> dropouts = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            if (child.getValue() instanceof SeededDropout) {
                dropouts.add(child.getValue().toString());
            }
        }
        assertThat(dropouts)
                .containsExactly(
                        "SeededDropout(0.5, dropout/vgg19bn/head/dropout1)",
                        "SeededDropout(0.5, dropout/vgg19bn/head/dropout2)");
    }

    @Test
    void dropoutMasksFollowTheTrainingStepAndNothingElse() {
        AtomicLong step = new AtomicLong();
        ModelContext context = ModelHarness.context("vgg", 0, ModelHarness.CIFAR_EXAMPLE, step::get);
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = ModelHarness.buildAndInitialize(
                    plugin, Map.of("depth", 11, "width_divisor", 16), context, manager, 4);
            Batch batch = ModelHarness.fixedBatch(0, 4, ModelHarness.CIFAR_EXAMPLE, 10);
            float[] first = ModelHarness.forward(block, manager, batch, true);
            float[] again = ModelHarness.forward(block, manager, batch, true);
            step.set(1);
            float[] nextStep = ModelHarness.forward(block, manager, batch, true);
            float[] evaluation = ModelHarness.forward(block, manager, batch, false);
            step.set(0);
            float[] evaluationAtStep0 = ModelHarness.forward(block, manager, batch, false);

            assertThat(again).isEqualTo(first);
            assertThat(nextStep).isNotEqualTo(first);
            assertThat(evaluationAtStep0).isEqualTo(evaluation);
        }
    }

    @Test
    void everyLayerOfTheFullWidthVgg19BnFollowsTheInitialisationRules() {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of());
            List<Double> linearBounds = new ArrayList<>();
            int convs = 0;
            int norms = 0;
            for (Map.Entry<String, Block> leaf : ModelHarness.leaves(block).entrySet()) {
                String path = leaf.getKey();
                Block layer = leaf.getValue();
                if (layer instanceof Conv2d) {
                    convs++;
                    float[] weight = values(layer, "weight");
                    float[] bias = values(layer, "bias");
                    if (convs == 1) {
                        double bound = 1 / Math.sqrt(3 * 9);
                        InitAssertions.assertUniform(path + "_weight", weight, bound);
                        InitAssertions.assertUniform(path + "_bias", bias, bound);
                    } else {
                        InitAssertions.assertHeNormal(
                                path + "_weight",
                                weight,
                                SeededInitializer.fan(
                                        layer.getParameters()
                                                .get("weight")
                                                .getArray()
                                                .getShape(),
                                        SeededInitializer.Fan.OUT));
                        InitAssertions.assertConstant(path + "_bias", bias, 0f);
                    }
                } else if (layer instanceof BatchNorm) {
                    norms++;
                    InitAssertions.assertConstant(path + "_gamma", values(layer, "gamma"), 1f);
                    InitAssertions.assertConstant(path + "_beta", values(layer, "beta"), 0f);
                    InitAssertions.assertConstant(path + "_runningMean", values(layer, "runningMean"), 0f);
                    InitAssertions.assertConstant(path + "_runningVar", values(layer, "runningVar"), 1f);
                } else if (layer instanceof Linear) {
                    long fanIn = layer.getParameters()
                            .get("weight")
                            .getArray()
                            .getShape()
                            .get(1);
                    double bound = 1 / Math.sqrt(fanIn);
                    linearBounds.add(bound);
                    InitAssertions.assertUniform(path + "_weight", values(layer, "weight"), bound);
                    InitAssertions.assertUniform(path + "_bias", values(layer, "bias"), bound);
                } else {
                    throw new AssertionError("unexpected layer with parameters at " + path + ": " + layer);
                }
            }
            assertThat(convs).isEqualTo(16);
            assertThat(norms).isEqualTo(16);
            assertThat(linearBounds).containsExactly(1 / Math.sqrt(512), 1 / Math.sqrt(4096), 1 / Math.sqrt(4096));
        }
    }

    private static float[] values(Block layer, String name) {
        return layer.getParameters().get(name).getArray().toFloatArray();
    }

    private Block build(NDManager manager, Map<String, Object> params) {
        return ModelHarness.buildAndInitialize(
                plugin, params, ModelHarness.context("vgg", 0, ModelHarness.CIFAR_EXAMPLE), manager, 1);
    }

    /**
     * The names and shapes are those of the PyTorch model's {@code state_dict} (without
     * {@code num_batches_tracked}), as {@code tools/pytorch/state_dict_names.py vgg} printed them.
     */
    @Test
    void pytorchNamesAndShapesAreThoseOfThePyTorchModel() throws IOException {
        List<String> expected;
        try (InputStream in = getClass().getResourceAsStream("/pytorch-vgg19bn-state-dict.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            assertThat(ModelHarness.pytorchStateDict(plugin, Map.of("depth", 19, "batch_norm", true), manager))
                    .as("VGG19-BN state_dict")
                    .containsExactlyElementsOf(expected);
        }
    }
}
