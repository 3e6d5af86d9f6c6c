package dev.replica.examples.preactresnet;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreActResNetPluginTest {

    private final PreActResNetPlugin plugin = new PreActResNetPlugin();

    @Test
    void isFoundByTheServiceLoaderUnderItsName() {
        List<String> names = new ArrayList<>();
        for (ModelPlugin p : ServiceLoader.load(ModelPlugin.class)) {
            names.add(p.name() + "=" + p.getClass().getName());
        }
        assertThat(names).contains("preact-resnet=dev.replica.examples.preactresnet.PreActResNetPlugin");
    }

    @Test
    void defaultsAreThePapersResNet18ForCifar10() {
        assertThat(plugin.schema().defaults().asMap())
                .containsExactly(entry("depth", 18), entry("width", 64), entry("classes", 10), entry("dropout", 0.0));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "depth   | 50  | 50 is not allowed; allowed: [18, 34]",
                "width   | 0   | 0 is out of range; allowed: >= 1 and <= 512",
                "classes | 1   | 1 is out of range; allowed: >= 2 and <= 100000",
                "dropout | 1.0 | 1 is out of range; allowed: >= 0 and < 1",
            })
    void badValuesAreRejectedWithTheExactProblem(String key, String value, String message) {
        Object raw = key.equals("dropout") ? (Object) Double.valueOf(value) : (Object) Integer.valueOf(value);
        assertThat(plugin.schema().validate(Map.of(key, raw)).problems())
                .containsExactly(new ParameterProblem(key, message));
    }

    /*
     * Trainable parameters, by hand. A 3x3 conv from i to o channels without bias has 9*i*o weights, a 1x1
     * conv i*o, a BatchNorm over c channels 2c (gamma, beta; its running mean and variance are not
     * trained), the linear layer 512*10 + 10. Depth 18, width 64, 10 classes:
     *
     *   stem conv 3->64                      9*3*64                                   =      1,728
     *   stage 1, two blocks 64->64, each     2*64 + 9*64*64 + 2*64 + 9*64*64          =     73,984
     *                                        x 2                                      =    147,968
     *   stage 2, block 1, 64->128            2*64 + 9*64*128 + 2*128 + 9*128*128
     *                                        + 64*128 (shortcut)                      =    229,760
     *            block 2, 128->128           2*128 + 9*128*128 + 2*128 + 9*128*128    =    295,424
     *                                                                                      525,184
     *   stage 3, block 1, 128->256           2*128 + 9*128*256 + 2*256 + 9*256*256
     *                                        + 128*256                                =    918,272
     *            block 2, 256->256           2*256 + 9*256*256 + 2*256 + 9*256*256    =  1,180,672
     *                                                                                    2,098,944
     *   stage 4, block 1, 256->512           2*256 + 9*256*512 + 2*512 + 9*512*512
     *                                        + 256*512                                =  3,671,552
     *            block 2, 512->512           2*512 + 9*512*512 + 2*512 + 9*512*512    =  4,720,640
     *                                                                                    8,392,192
     *   final BN over 512                    2*512                                    =      1,024
     *   fc 512->10                           512*10 + 10                              =      5,130
     *   total  1,728 + 147,968 + 525,184 + 2,098,944 + 8,392,192 + 1,024 + 5,130      = 11,172,170
     *
     * Cross-check with the post-activation ResNet-18 (11,173,962, docs/design.md, section 5): the convolutions
     * and the fc are the same; the BatchNorms differ. Post-activation: stem 128 + 4*128 + (4*256 + 256)
     * + (4*512 + 512) + (4*1024 + 1024) = 9,600. Pre-activation: 4*128 + (128 + 3*256) + (256 + 3*512)
     * + (512 + 3*1024) + 1,024 (final) = 7,808. 11,173,962 - 9,600 + 7,808 = 11,172,170.
     *
     * In general, with w = width and c = classes, summing the same terms:
     *   depth 18: 2,724 w^2 + 149 w + 8 w c + c
     *     w 64, c 10: 11,157,504 + 9,536 + 5,120 + 10 = 11,172,170 (as above)
     *     w 16, c 10:    697,344 + 2,384 + 1,280 + 10 =    701,018
     *     w  4, c  4:     43,584 +   596 +   128 +  4 =     44,312
     *   depth 34 (stages [3, 4, 6, 3]; an identity block over C channels has 18 C^2 + 4 C):
     *     stem 27 w; stage 1: 3 (18 w^2 + 4 w); stage 2: (56 w^2 + 6 w) + 3 (72 w^2 + 8 w);
     *     stage 3: (224 w^2 + 12 w) + 5 (288 w^2 + 16 w); stage 4: (896 w^2 + 24 w) + 2 (1,152 w^2 + 32 w);
     *     final BN 16 w; fc 8 w c + c  =  5,190 w^2 + 265 w + 8 w c + c
     *     w 16, c 10: 1,328,640 + 4,240 + 1,280 + 10 = 1,334,170
     *     (w 64, c 10: 21,280,330 = ResNet-34's 21,282,122 - 17,024 post-activation BN + 15,232 pre-activation BN)
     */
    @ParameterizedTest(name = "depth {0}, width {1}, {2} classes: {3}")
    @CsvSource({"18, 64, 10, 11172170", "18, 16, 10, 701018", "18, 4, 4, 44312", "34, 16, 10, 1334170"})
    void trainableParametersMatchTheCountByHand(int depth, int width, int classes, long expected) {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, Map.of("depth", depth, "width", width, "classes", classes));
            assertThat(Blocks.trainableParameterCount(block)).isEqualTo(expected);
        }
    }

    @Test
    void everyParameterDrawsFromAStreamNamedByItsPlace() {
        Block block =
                plugin.create(plugin.schema().defaults(), ModelHarness.context("pre", 0, ModelHarness.CIFAR_EXAMPLE));
        List<String> streams = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof SeededInitializer) {
                streams.add(((SeededInitializer) p.getValue().getInitializer())
                        .stream().path());
            }
        }
        // 1 stem + 8 blocks x 2 + 3 shortcuts = 20 convolutions, and the linear layer's weight and bias.
        assertThat(streams)
                .hasSize(22)
                .startsWith(
                        "init/pre/stem/conv/weight",
                        "init/pre/stage1/block1/conv1/weight",
                        "init/pre/stage1/block1/conv2/weight",
                        "init/pre/stage1/block2/conv1/weight",
                        "init/pre/stage1/block2/conv2/weight",
                        "init/pre/stage2/block1/conv1/weight",
                        "init/pre/stage2/block1/conv2/weight",
                        "init/pre/stage2/block1/shortcut/weight")
                .endsWith("init/pre/stage4/block2/conv2/weight", "init/pre/fc/weight", "init/pre/fc/bias");
        assertThat(streams.stream().filter(s -> s.contains("shortcut")))
                .containsExactly(
                        "init/pre/stage2/block1/shortcut/weight",
                        "init/pre/stage3/block1/shortcut/weight",
                        "init/pre/stage4/block1/shortcut/weight");
    }

    @Test
    void everyLayerOfTheFullWidthModelFollowsTheInitialisationRules() {
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
                    assertThat(layer.getParameters().keys()).as(path).containsExactly("weight");
                    Parameter weight = layer.getParameters().get("weight");
                    InitAssertions.assertHeNormal(
                            path,
                            weight.getArray().toFloatArray(),
                            SeededInitializer.fan(weight.getArray().getShape(), SeededInitializer.Fan.IN));
                } else if (layer instanceof BatchNorm) {
                    norms++;
                    InitAssertions.assertConstant(path + "_gamma", values(layer, "gamma"), 1f);
                    InitAssertions.assertConstant(path + "_beta", values(layer, "beta"), 0f);
                    InitAssertions.assertConstant(path + "_runningMean", values(layer, "runningMean"), 0f);
                    InitAssertions.assertConstant(path + "_runningVar", values(layer, "runningVar"), 1f);
                } else if (layer instanceof Linear) {
                    linears++;
                    InitAssertions.assertUniform(path + "_weight", values(layer, "weight"), 1 / Math.sqrt(512));
                    InitAssertions.assertUniform(path + "_bias", values(layer, "bias"), 1 / Math.sqrt(512));
                } else {
                    throw new AssertionError("unexpected layer with parameters at " + path + ": " + layer);
                }
            }
            // 16 block BatchNorms and the final one; no BatchNorm after the stem (the first block has it).
            assertThat(new int[] {convs, norms, linears}).containsExactly(20, 17, 1);
        }
    }

    private static float[] values(Block layer, String name) {
        return layer.getParameters().get(name).getArray().toFloatArray();
    }

    private Block build(NDManager manager, Map<String, Object> params) {
        // The model's output size comes from the dataset, which a run checks against the classes parameter.
        int classes = (Integer) params.getOrDefault("classes", ModelHarness.CIFAR_CLASSES);
        return ModelHarness.buildAndInitialize(
                plugin,
                params,
                ModelHarness.context("preact", 0, ModelHarness.CIFAR_EXAMPLE, classes, () -> 0L),
                manager,
                1);
    }
}
