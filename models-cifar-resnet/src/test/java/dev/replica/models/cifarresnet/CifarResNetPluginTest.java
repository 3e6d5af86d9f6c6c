package dev.replica.models.cifarresnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CifarResNetPluginTest {

    private final CifarResNetPlugin plugin = new CifarResNetPlugin();

    @Test
    void isFoundByTheServiceLoaderUnderItsName() {
        List<String> names = new ArrayList<>();
        for (ModelPlugin p : ServiceLoader.load(ModelPlugin.class)) {
            names.add(p.name() + "=" + p.getClass().getName());
        }
        assertThat(names).contains("cifar-resnet=" + CifarResNetPlugin.class.getName());
    }

    @Test
    void defaultsAreResNet20WithOptionAShortcutsAndTenClasses() {
        assertThat(plugin.schema().defaults().asMap())
                .containsExactly(
                        entry("depth", 20), entry("residual", true), entry("shortcut", "a"), entry("classes", 10));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "depth    | 21 | 21 is not allowed; allowed: 6n + 2 with n >= 1 (8, 14, 20, 26, 32, ...)",
                "depth    | 2  | 2 is out of range; allowed: >= 8 and <= 1202",
                "shortcut | c  | 'c' is not allowed; allowed: ['a', 'b']",
                "classes  | 1  | 1 is out of range; allowed: >= 2 and <= 100000",
            })
    void badValuesAreRejectedWithTheExactProblem(String key, String value, String message) {
        Object raw = key.equals("shortcut") ? value : Integer.parseInt(value);
        assertThat(plugin.schema().validate(Map.of(key, raw)).problems())
                .containsExactly(new ParameterProblem(key, message));
    }

    @Test
    void aPlainNetRefusesTheProjectionShortcut() {
        assertThat(plugin.schema()
                        .validate(Map.of("residual", false, "shortcut", "b"))
                        .problems())
                .containsExactly(new ParameterProblem(
                        "shortcut",
                        "'b' is not allowed; allowed: a plain net (residual: false) has no shortcut, leave it out"));
        assertThat(plugin.schema().validate(Map.of("residual", false)).problems())
                .isEmpty();
    }

    /**
     * Table 6 of the paper gives 0.27 M to 1.7 M; these are the exact counts with BatchNorm and the linear
     * layer. A plain net has the parameters of its option-A twin; option B adds two 1x1 convolutions
     * with BatchNorm: {@code 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64 = 2,752}.
     */
    @ParameterizedTest(name = "depth {0}: {1}")
    @CsvSource({"20, 269722", "32, 464154", "44, 658586", "56, 853018", "110, 1727962"})
    void trainableParametersAreThoseOfThePaper(int depth, long expected) {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            assertThat(count(manager, Map.of("depth", depth)))
                    .as("ResNet-%d", depth)
                    .isEqualTo(expected);
            assertThat(count(manager, Map.of("depth", depth, "residual", false)))
                    .as("plain-%d", depth)
                    .isEqualTo(expected);
            assertThat(count(manager, Map.of("depth", depth, "shortcut", "b")))
                    .as("ResNet-%d, option B", depth)
                    .isEqualTo(expected + 2752);
        }
    }

    @Test
    void everyParameterDrawsFromAStreamNamedByItsPlace() {
        Block block = plugin.create(
                ModelHarness.params(plugin, Map.of("shortcut", "b")),
                ModelHarness.context("resnet20", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> streams = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof SeededInitializer) {
                streams.add(((SeededInitializer) p.getValue().getInitializer())
                        .stream().path());
            }
        }
        // 19 convolutions in pairs, 2 projections, the linear weight and bias.
        assertThat(streams)
                .hasSize(23)
                .startsWith(
                        "init/resnet20/stem/conv/weight",
                        "init/resnet20/stage1/block1/conv1/weight",
                        "init/resnet20/stage1/block1/conv2/weight")
                .contains(
                        "init/resnet20/stage2/block1/shortcut/conv/weight",
                        "init/resnet20/stage3/block1/shortcut/conv/weight")
                .endsWith(
                        "init/resnet20/stage3/block3/conv2/weight", "init/resnet20/fc/weight", "init/resnet20/fc/bias");
    }

    /** As akamaster's {@code _weights_init}: He normal (fan-in) on convolutions and the linear weight. */
    @Test
    void everyLayerOfResNet20FollowsTheInitialisationRules() {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of("depth", 20));
            int convs = 0;
            int norms = 0;
            int linears = 0;
            for (Map.Entry<String, Block> leaf : ModelHarness.leaves(block).entrySet()) {
                String path = leaf.getKey();
                Block layer = leaf.getValue();
                if (layer instanceof Conv2d) {
                    convs++;
                    assertThat(layer.getParameters().keys()).as(path).containsExactly("weight");
                    assertHeNormalFanIn(path, layer);
                } else if (layer instanceof BatchNorm) {
                    norms++;
                    InitAssertions.assertConstant(path + "_gamma", values(layer, "gamma"), 1f);
                    InitAssertions.assertConstant(path + "_beta", values(layer, "beta"), 0f);
                } else if (layer instanceof Linear) {
                    linears++;
                    assertHeNormalFanIn(path, layer);
                    InitAssertions.assertUniform(path + "_bias", values(layer, "bias"), 1 / Math.sqrt(64));
                } else {
                    throw new AssertionError("unexpected layer with parameters at " + path + ": " + layer);
                }
            }
            assertThat(new int[] {convs, norms, linears}).containsExactly(19, 19, 1);
        }
    }

    /**
     * The names and shapes of akamaster's {@code resnet20()} built with option B, without
     * {@code num_batches_tracked}: what {@code tools/pytorch/state_dict_names.py cifar-resnet} prints.
     */
    @Test
    void pytorchNamesAndShapesAreThoseOfAkamastersResNet() throws IOException {
        List<String> expected;
        try (InputStream in = getClass().getResourceAsStream("/pytorch-resnet20b-state-dict.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            assertThat(ModelHarness.pytorchStateDict(plugin, Map.of("depth", 20, "shortcut", "b"), manager))
                    .as("ResNet-20 (option B) state_dict")
                    .containsExactlyElementsOf(expected);
            // Option A and the plain net: the same names, without the two projections.
            List<String> withoutProjections =
                    expected.stream().filter(l -> !l.contains("shortcut")).toList();
            assertThat(ModelHarness.pytorchStateDict(plugin, Map.of("depth", 20), manager))
                    .containsExactlyElementsOf(withoutProjections);
            assertThat(ModelHarness.pytorchStateDict(plugin, Map.of("depth", 20, "residual", false), manager))
                    .containsExactlyElementsOf(withoutProjections);
        }
    }

    private static void assertHeNormalFanIn(String path, Block layer) {
        Parameter weight = layer.getParameters().get("weight");
        InitAssertions.assertHeNormal(
                path,
                weight.getArray().toFloatArray(),
                SeededInitializer.fan(weight.getArray().getShape(), SeededInitializer.Fan.IN));
    }

    private static float[] values(Block layer, String name) {
        return layer.getParameters().get(name).getArray().toFloatArray();
    }

    private long count(NDManager manager, Map<String, Object> params) {
        return Blocks.trainableParameterCount(build(manager, params));
    }

    private Block build(NDManager manager, Map<String, Object> params) {
        return ModelHarness.buildAndInitialize(
                plugin, params, ModelHarness.context("cifar-resnet", 0, ModelHarness.CIFAR_EXAMPLE), manager, 1);
    }
}
