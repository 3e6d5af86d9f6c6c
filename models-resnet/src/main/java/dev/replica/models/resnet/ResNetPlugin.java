package dev.replica.models.resnet;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.StateDictNames;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code resnet} model: the CIFAR ResNet of He et al. as commonly trained on 32 x 32 images. Stem
 * conv 3x3 (stride 1, no bias) -> BN -> ReLU, no max-pool; four stages of BasicBlocks with
 * {@code width x [1, 2, 4, 8]} channels, stride 2 at the first block of stages 2-4, a 1x1 conv + BN
 * shortcut only where the shape changes; global average pool; a linear layer.
 *
 * <p>Initialisation (docs/design.md, section 6): He normal with fan-in for every convolution, BatchNorm weight
 * 1 and bias 0, the linear layer's weight and bias uniform in {@code +-1/sqrt(fan_in)}. Each parameter
 * draws from its own stream of {@link ModelContext#initSeeds()}, named by its place in the network,
 * e.g. {@code stem/conv/weight}, {@code stage2/block1/shortcut/conv/weight}, {@code fc/bias}.
 */
public final class ResNetPlugin implements ModelPlugin {

    private static final Pattern FORMER_SHORTCUT = Pattern.compile("(layer\\d+\\.\\d+)\\.shortcut\\.");

    /** The stages, and where the first one sits in the network (after conv, BatchNorm and ReLU). */
    private static final int STAGES = 4;

    private static final int FIRST_STAGE = 3;

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.integer(
                            "depth",
                            "number of weighted layers: 18 (BasicBlock stages [2, 2, 2, 2]) " + "or 34 ([3, 4, 6, 3])")
                    .withDefault(18)
                    .allowing(18, 34),
            ParameterSpec.integer(
                            "width",
                            "channels of the stem and the first stage; the four stages have "
                                    + "width x [1, 2, 4, 8] channels")
                    .withDefault(64)
                    .atLeast(1)
                    // 8 x the study's 64: stage four then has 4096 channels, some 700 million weights.
                    .atMost(512),
            ParameterSpec.integer(
                            "classes",
                            "number of classes, the size of the output; a run takes it from the dataset and refuses another value")
                    .withDefault(10)
                    .atLeast(2)
                    .atMost(100_000));

    /** Creates the plugin; {@link java.util.ServiceLoader} calls this. */
    public ResNetPlugin() {}

    @Override
    public String name() {
        return "resnet";
    }

    @Override
    public String description() {
        return "CIFAR ResNet (3x3 stem, no max-pool, BasicBlocks), depth 18 or 34";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public Block create(Params params, ModelContext context) {
        int[] blocksPerStage = params.getInt("depth") == 18 ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
        int width = params.getInt("width");
        SeedStream seeds = context.initSeeds();

        SequentialBlock net = new SequentialBlock()
                .add(TorchLayers.heConv(3, width, 1, Fan.IN, false, seeds.child("stem/conv")))
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock());
        int inChannels = width;
        for (int s = 0; s < blocksPerStage.length; s++) {
            int channels = width << s;
            SequentialBlock stage = new SequentialBlock();
            for (int b = 0; b < blocksPerStage[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                SeedStream blockSeeds = seeds.child("stage" + (s + 1) + "/block" + (b + 1));
                stage.add(new BasicBlock(inChannels, channels, stride, blockSeeds));
                inChannels = channels;
            }
            net.add(stage);
        }
        net.add(Pool.globalAvgPool2dBlock());

        return net.add(TorchLayers.linear(context.classes(), inChannels, seeds.child("fc")));
    }

    /**
     * Names as the study's ResNet, in torchvision's names: {@code conv1, bn1,
     * layer1..4.<block>.{conv1, bn1, conv2, bn2, downsample.0, downsample.1}, fc}.
     */
    @Override
    public Optional<Map<String, String>> pytorchNames(Params params, Block block) {
        List<Block> top = block.getChildren().values();
        StateDictNames names =
                new StateDictNames(block).layer("conv1", top.get(0)).layer("bn1", top.get(1));
        for (int s = 0; s < STAGES; s++) {
            List<Block> blocks = top.get(FIRST_STAGE + s).getChildren().values();
            for (int b = 0; b < blocks.size(); b++) {
                ((BasicBlock) blocks.get(b)).name(names, "layer" + (s + 1) + "." + b);
            }
        }
        return Optional.of(names.layer("fc", top.get(top.size() - 1)).build());
    }

    /** Earlier versions gave pytorch-cifar's names: {@code layerN.M.shortcut.K.*} and {@code linear.*}. */
    @Override
    public String currentPytorchName(String name) {
        Matcher shortcut = FORMER_SHORTCUT.matcher(name);
        if (shortcut.lookingAt()) {
            return shortcut.group(1) + ".downsample." + name.substring(shortcut.end());
        }
        return name.startsWith("linear.") ? "fc." + name.substring("linear.".length()) : name;
    }
}
