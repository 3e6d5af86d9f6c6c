package dev.replica.models.vgg;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.SeededDropout;
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

/**
 * The {@code vgg} model: torchvision's VGG layouts 11, 13, 16 and 19 (configurations A, B, D, E) of
 * 3x3 convolutions with bias, optionally BatchNorm, ReLU and 2x2 max-pools, followed for 32 x 32 inputs
 * by a global average pool and the head {@code 512 -> 4096 -> ReLU -> Dropout -> 4096 -> ReLU -> Dropout
 * -> classes}. {@code width_divisor} divides every convolution width and the head width.
 *
 * <p>Initialisation as the reference study got it (docs/design.md, section 6): He normal with fan-out and a
 * zero bias for the convolutions, BatchNorm weight 1 and bias 0; but the first convolution and the three
 * linear layers keep PyTorch's default, weight and bias uniform in {@code +-1/sqrt(fan_in)}. Each
 * parameter draws from its own stream of {@link ModelContext#initSeeds()}, named by its place, e.g.
 * {@code features/conv1/weight}, {@code head/fc2/bias}. Dropout masks come from
 * {@code dropoutSeeds/head/dropout1} and {@code head/dropout2} at the run's training step.
 */
public final class VggPlugin implements ModelPlugin {

    /** A 2x2 max-pool in a layout. */
    private static final int M = 0;

    private static final Map<Integer, int[]> LAYOUTS = Map.of(
            11, new int[] {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M},
            13, new int[] {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M},
            16, new int[] {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M},
            19,
                    new int[] {
                        64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M
                    });

    private static final int HEAD_WIDTH = 4096;

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.integer(
                            "depth",
                            "number of weighted layers: torchvision's layouts 11, 13, 16, "
                                    + "19 (configurations A, B, D, E)")
                    .withDefault(19)
                    .allowing(11, 13, 16, 19),
            ParameterSpec.bool("batch_norm", "BatchNorm after every convolution (torchvision's vgg*_bn)")
                    .withDefault(true),
            ParameterSpec.integer(
                            "width_divisor", "divides every convolution width (64..512) and the " + "head width (4096)")
                    .withDefault(1)
                    .allowing(1, 2, 4, 8, 16, 32, 64),
            ParameterSpec.real("dropout", "dropout rate of the two hidden head layers, in [0, 1)")
                    .withDefault(0.5)
                    .atLeast(0)
                    .lessThan(1),
            ParameterSpec.integer(
                            "classes",
                            "number of classes, the size of the output; a run takes it from the dataset and refuses another value")
                    .withDefault(10)
                    .atLeast(2)
                    .atMost(100_000));

    /** Creates the plugin; {@link java.util.ServiceLoader} calls this. */
    public VggPlugin() {}

    @Override
    public String name() {
        return "vgg";
    }

    @Override
    public String description() {
        return "VGG 11/13/16/19 (torchvision layouts), optional BatchNorm, global average pool and a "
                + "4096-4096 head";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public Block create(Params params, ModelContext context) {
        int divisor = params.getInt("width_divisor");
        boolean batchNorm = params.getBoolean("batch_norm");
        SeedStream seeds = context.initSeeds();

        SequentialBlock net = new SequentialBlock();
        long inChannels = context.exampleShape().get(0);
        int conv = 0;
        for (int width : LAYOUTS.get(params.getInt("depth"))) {
            if (width == M) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
                continue;
            }
            conv++;
            int channels = width / divisor;
            String name = "features/conv" + conv;
            net.add(
                    conv == 1
                            ? TorchLayers.defaultConv(3, channels, 1, inChannels, seeds.child(name))
                            : TorchLayers.heConv(3, channels, 1, Fan.OUT, true, seeds.child(name)));
            if (batchNorm) {
                net.add(TorchLayers.batchNorm());
            }
            net.add(Activation.reluBlock());
            inChannels = channels;
        }
        net.add(Pool.globalAvgPool2dBlock());

        int hidden = HEAD_WIDTH / divisor;
        double rate = params.getDouble("dropout");
        SeedStream dropout = context.dropoutSeeds();
        return net.add(TorchLayers.linear(hidden, inChannels, seeds.child("head/fc1")))
                .add(Activation.reluBlock())
                .add(new SeededDropout(rate, dropout.child("head/dropout1"), context.trainingStep()))
                .add(TorchLayers.linear(hidden, hidden, seeds.child("head/fc2")))
                .add(Activation.reluBlock())
                .add(new SeededDropout(rate, dropout.child("head/dropout2"), context.trainingStep()))
                .add(TorchLayers.linear(context.classes(), hidden, seeds.child("head/fc3")));
    }

    /**
     * Names as torchvision's VGG with the study's CIFAR head: {@code features.<i>} for each convolution
     * and BatchNorm at its index in torchvision's {@code features} (ReLUs and pools count), then
     * {@code classifier.0, classifier.3, classifier.6} for the three linear layers.
     */
    @Override
    public Optional<Map<String, String>> pytorchNames(Params params, Block block) {
        List<Block> layers = block.getChildren().values();
        int features = 0;
        for (int width : LAYOUTS.get(params.getInt("depth"))) {
            features += width == M ? 1 : params.getBoolean("batch_norm") ? 3 : 2;
        }
        StateDictNames names = new StateDictNames(block);
        for (int i = 0; i < features; i++) {
            Block layer = layers.get(i);
            if (layer instanceof Conv2d || layer instanceof BatchNorm) {
                names.layer("features." + i, layer);
            }
        }
        // After the features: the average pool, then linear, ReLU, dropout, linear, ReLU, dropout, linear.
        int head = features + 1;
        return Optional.of(names.layer("classifier.0", layers.get(head))
                .layer("classifier.3", layers.get(head + 3))
                .layer("classifier.6", layers.get(head + 6))
                .build());
    }
}
