package dev.replica.examples.preactresnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.seed.SeedStream;

/**
 * The pre-activation block of He et al. 2016, "Identity Mappings in Deep Residual Networks":
 * {@code a = relu(bn1(x)); out = conv2(relu(bn2(conv1(a)))) + shortcut}, where the shortcut is
 * {@code conv1x1(a)} (taken from the pre-activated input) when the stride or the channel count changes,
 * and {@code x} itself otherwise. Nothing follows the addition: the next block normalises first.
 *
 * <p>Children are named {@code bn1, conv1, bn2, conv2, shortcut}. Every convolution is 3x3 (1x1 for the
 * shortcut), padded to keep the size at stride 1, without bias, He normal with fan-in ({@link
 * TorchLayers#heConv}); its weight draws from its own stream below the block's, e.g.
 * {@code stage2/block1/shortcut/weight}. BatchNorm is PyTorch's ({@link TorchLayers#batchNorm}).
 */
final class PreActBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final BatchNorm bn1;
    private final Conv2d conv1;
    private final BatchNorm bn2;
    private final Conv2d conv2;
    private final Conv2d shortcut;

    /**
     * Creates the block.
     *
     * @param inChannels the input channels
     * @param channels the output channels
     * @param stride the stride of the first convolution and of the shortcut
     * @param seeds the block's stream, e.g. {@code init/preact/stage2/block1}
     */
    PreActBlock(int inChannels, int channels, int stride, SeedStream seeds) {
        super(VERSION);
        bn1 = addChildBlock("bn1", TorchLayers.batchNorm());
        conv1 = addChildBlock("conv1", TorchLayers.heConv(3, channels, stride, Fan.IN, false, seeds.child("conv1")));
        bn2 = addChildBlock("bn2", TorchLayers.batchNorm());
        conv2 = addChildBlock("conv2", TorchLayers.heConv(3, channels, 1, Fan.IN, false, seeds.child("conv2")));
        shortcut = stride != 1 || inChannels != channels
                ? addChildBlock(
                        "shortcut", TorchLayers.heConv(1, channels, stride, Fan.IN, false, seeds.child("shortcut")))
                : null;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        NDList a = new NDList(
                Activation.relu(bn1.forward(store, x, training, params).singletonOrThrow()));
        NDArray identity = shortcut == null
                ? x.singletonOrThrow()
                : shortcut.forward(store, a, training, params).singletonOrThrow();
        NDList out = conv1.forward(store, a, training, params);
        out = new NDList(
                Activation.relu(bn2.forward(store, out, training, params).singletonOrThrow()));
        out = conv2.forward(store, out, training, params);
        return new NDList(out.singletonOrThrow().add(identity));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv2.getOutputShapes(conv1.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        bn1.initialize(manager, dataType, inputShapes);
        conv1.initialize(manager, dataType, inputShapes);
        Shape[] afterConv1 = conv1.getOutputShapes(inputShapes);
        bn2.initialize(manager, dataType, afterConv1);
        conv2.initialize(manager, dataType, afterConv1);
        if (shortcut != null) {
            shortcut.initialize(manager, dataType, inputShapes);
        }
    }
}
