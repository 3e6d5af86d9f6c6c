package dev.replica.models.cifarresnet;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.StateDictNames;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import dev.replica.models.cifarresnet.CifarBlock.Shortcut;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code cifar-resnet} model: the CIFAR-10 nets of He et al. 2016, section 4.2, plain or residual.
 * A 3x3 convolution with 16 filters, BN, ReLU; three stages of {@code n} pairs of 3x3 convolutions with
 * 16, 32 and 64 filters (stride 2 at the first convolution of stages 2 and 3), BN after each, ReLU;
 * global average pool; a linear layer: {@code 6n + 2} weighted layers. A residual net adds a shortcut
 * around every pair, option A (parameter-free) or B (1x1 projection) where the shape changes; a plain
 * net is the same without shortcuts, with as many parameters as its option-A twin.
 *
 * <p>Initialisation as akamaster/pytorch_resnet_cifar10 ({@code resnet.py}, {@code _weights_init}):
 * {@code kaiming_normal_} (He normal, fan-in) on every convolution and on the linear layer's weight;
 * the linear bias keeps PyTorch's default, uniform in {@code +-1/sqrt(64)}; BatchNorm weight 1, bias
 * 0. Each parameter draws from its own stream of {@link ModelContext#initSeeds()}, named by its place,
 * e.g. {@code stem/conv/weight}, {@code stage2/block1/conv1/weight}, {@code fc/bias}.
 */
public final class CifarResNetPlugin implements ModelPlugin {

    /** Where the first stage sits in the network (after conv, BatchNorm and ReLU). */
    private static final int FIRST_STAGE = 3;

    private static final int STAGES = 3;

    private static final int WIDTH = 16;

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
                    ParameterSpec.integer(
                                    "depth",
                                    "weighted layers, 6n + 2 with n >= 1 pairs of 3x3 convolutions per stage: "
                                            + "20, 32, 44, 56, 110 in the paper")
                            .withDefault(20)
                            .atLeast(8)
                            .atMost(1202), // the paper's deepest, ResNet-1202
                    ParameterSpec.bool("residual", "a shortcut around every pair of convolutions (false: a plain net)")
                            .withDefault(true),
                    ParameterSpec.string(
                                    "shortcut",
                                    "where the shape changes: a, subsample and pad with zero channels "
                                            + "(no parameters); b, a 1x1 convolution and BatchNorm")
                            .withDefault("a")
                            .allowing("a", "b"),
                    ParameterSpec.integer(
                                    "classes",
                                    "number of classes, the size of the output; a run takes it from the dataset and refuses another value")
                            .withDefault(10)
                            .atLeast(2)
                            .atMost(100_000)) // as the resnet plugin: an output that fits a batch's logits
            .withCheck(CifarResNetPlugin::check);

    /** Creates the plugin; {@link java.util.ServiceLoader} calls this. */
    public CifarResNetPlugin() {}

    @Override
    public String name() {
        return "cifar-resnet";
    }

    @Override
    public String description() {
        return "He et al. 2016's CIFAR nets, plain or residual (shortcut option A or B), depth 6n+2";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public Block create(Params params, ModelContext context) {
        int n = (params.getInt("depth") - 2) / 6;
        Shortcut shortcut = params.getBoolean("residual")
                ? Shortcut.valueOf(params.getString("shortcut").toUpperCase(Locale.ROOT))
                : Shortcut.NONE;
        SeedStream seeds = context.initSeeds();

        SequentialBlock net = new SequentialBlock()
                .add(TorchLayers.heConv(3, WIDTH, 1, Fan.IN, false, seeds.child("stem/conv")))
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock());
        int inChannels = WIDTH;
        for (int s = 0; s < STAGES; s++) {
            int channels = WIDTH << s;
            SequentialBlock stage = new SequentialBlock();
            for (int b = 0; b < n; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                SeedStream blockSeeds = seeds.child("stage" + (s + 1) + "/block" + (b + 1));
                stage.add(new CifarBlock(inChannels, channels, stride, shortcut, blockSeeds));
                inChannels = channels;
            }
            net.add(stage);
        }
        net.add(Pool.globalAvgPool2dBlock());

        // akamaster draws the linear weight with kaiming_normal_ too; the bias keeps PyTorch's default.
        SeedStream fc = seeds.child("fc");
        Linear linear = TorchLayers.linear(context.classes(), inChannels, fc);
        linear.setInitializer(SeededInitializer.heNormal(fc.child("weight"), Fan.IN), Parameter.Type.WEIGHT);
        return net.add(linear);
    }

    /**
     * Names as akamaster/pytorch_resnet_cifar10's {@code resnet.py}: {@code conv1, bn1,
     * layer1..3.<block>.{conv1, bn1, conv2, bn2}}, option B's {@code layer2.0.shortcut.0, .1} (and
     * {@code layer3.0}), {@code linear}. Option A's {@code LambdaLayer} has no parameters.
     */
    @Override
    public Optional<Map<String, String>> pytorchNames(Params params, Block block) {
        List<Block> top = block.getChildren().values();
        StateDictNames names =
                new StateDictNames(block).layer("conv1", top.get(0)).layer("bn1", top.get(1));
        for (int s = 0; s < STAGES; s++) {
            List<Block> blocks = top.get(FIRST_STAGE + s).getChildren().values();
            for (int b = 0; b < blocks.size(); b++) {
                ((CifarBlock) blocks.get(b)).name(names, "layer" + (s + 1) + "." + b);
            }
        }
        return Optional.of(names.layer("linear", top.get(top.size() - 1)).build());
    }

    private static List<ParameterProblem> check(Params p) {
        int depth = p.getInt("depth");
        if ((depth - 2) % 6 != 0) {
            return List.of(new ParameterProblem(
                    "depth", depth + " is not allowed; allowed: 6n + 2 with n >= 1 (8, 14, 20, 26, 32, ...)"));
        }
        if (!p.getBoolean("residual") && p.getString("shortcut").equals("b")) {
            return List.of(new ParameterProblem(
                    "shortcut",
                    "'b' is not allowed; allowed: a plain net (residual: false) has no shortcut, leave it out"));
        }
        return List.of();
    }
}
