package dev.replica.examples.preactresnet;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.SeededDropout;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;

/**
 * The {@code preact-resnet} model: the pre-activation ResNet of He et al. 2016, "Identity Mappings in
 * Deep Residual Networks", in its CIFAR form. Stem conv 3x3 (stride 1, no bias; no BN, no ReLU, no
 * max-pool: the first block normalises its input); four stages of {@link PreActBlock}s with
 * {@code width x [1, 2, 4, 8]} channels, stride 2 at the first block of stages 2-4, a 1x1 convolution
 * on the pre-activated input as shortcut only where the shape changes; a final BN and ReLU; global
 * average pool; dropout (rate 0 by default, as in the paper); a linear layer.
 *
 * <p>Initialisation: He normal with fan-in for every convolution, BatchNorm weight 1 and bias 0, the
 * linear layer's weight and bias uniform in {@code +-1/sqrt(fan_in)} (PyTorch's default). Each parameter
 * draws from its own stream of {@link ModelContext#initSeeds()}, named by its place in the network, e.g.
 * {@code stem/conv/weight}, {@code stage2/block1/shortcut/weight}, {@code fc/bias}. Dropout masks come
 * from {@code dropoutSeeds/head/dropout} at the run's training step.
 *
 * <p>This plugin lives outside Replica: it depends on {@code replica-api} only and reaches the runner as
 * a jar in a plugins folder.
 */
public final class PreActResNetPlugin implements ModelPlugin {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.integer(
                            "depth",
                            "number of weighted layers: 18 (PreActBlock stages [2, 2, 2, 2]) " + "or 34 ([3, 4, 6, 3])")
                    .withDefault(18)
                    .allowing(18, 34),
            ParameterSpec.integer(
                            "width",
                            "channels of the stem and the first stage; the four stages have "
                                    + "width x [1, 2, 4, 8] channels")
                    .withDefault(64)
                    .atLeast(1)
                    .atMost(512),
            ParameterSpec.integer(
                            "classes",
                            "number of classes, the size of the output; a run takes it from the dataset and refuses another value")
                    .withDefault(10)
                    .atLeast(2)
                    .atMost(100_000),
            ParameterSpec.real(
                            "dropout",
                            "dropout rate before the final linear layer, in [0, 1); " + "0 is the paper's network")
                    .withDefault(0.0)
                    .atLeast(0)
                    .lessThan(1));

    /** Creates the plugin; {@link java.util.ServiceLoader} calls this. */
    public PreActResNetPlugin() {}

    @Override
    public String name() {
        return "preact-resnet";
    }

    @Override
    public String description() {
        return "pre-activation ResNet for CIFAR (He et al. 2016, Identity Mappings), depth 18 or 34";
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

        SequentialBlock net =
                new SequentialBlock().add(TorchLayers.heConv(3, width, 1, Fan.IN, false, seeds.child("stem/conv")));
        int inChannels = width;
        for (int s = 0; s < blocksPerStage.length; s++) {
            int channels = width << s;
            SequentialBlock stage = new SequentialBlock();
            for (int b = 0; b < blocksPerStage[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                SeedStream blockSeeds = seeds.child("stage" + (s + 1) + "/block" + (b + 1));
                stage.add(new PreActBlock(inChannels, channels, stride, blockSeeds));
                inChannels = channels;
            }
            net.add(stage);
        }
        net.add(TorchLayers.batchNorm())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                // Always present, so that parameter paths do not depend on the rate; rate 0 is the identity.
                .add(new SeededDropout(
                        params.getDouble("dropout"),
                        context.dropoutSeeds().child("head/dropout"),
                        context.trainingStep()));
        return net.add(TorchLayers.linear(context.classes(), inChannels, seeds.child("fc")));
    }
}
