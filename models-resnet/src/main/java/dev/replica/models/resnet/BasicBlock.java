package dev.replica.models.resnet;

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
import dev.replica.api.nn.StateDictNames;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.seed.SeedStream;

/**
 * The ResNet BasicBlock: {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, where the
 * shortcut is a 1x1 convolution and BatchNorm when the stride or the channel count changes, and the
 * identity otherwise. Children are named {@code conv1, bn1, conv2, bn2, shortcutConv, shortcutBn}.
 */
final class BasicBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d shortcutConv;
    private final BatchNorm shortcutBn;

    /**
     * Creates the block.
     *
     * @param inChannels the input channels
     * @param channels the output channels
     * @param stride the stride of the first convolution and of the shortcut
     * @param seeds the block's stream, e.g. {@code init/resnet18/stage2/block1}
     */
    BasicBlock(int inChannels, int channels, int stride, SeedStream seeds) {
        super(VERSION);
        conv1 = addChildBlock("conv1", TorchLayers.heConv(3, channels, stride, Fan.IN, false, seeds.child("conv1")));
        bn1 = addChildBlock("bn1", TorchLayers.batchNorm());
        conv2 = addChildBlock("conv2", TorchLayers.heConv(3, channels, 1, Fan.IN, false, seeds.child("conv2")));
        bn2 = addChildBlock("bn2", TorchLayers.batchNorm());
        if (stride != 1 || inChannels != channels) {
            shortcutConv = addChildBlock(
                    "shortcutConv",
                    TorchLayers.heConv(1, channels, stride, Fan.IN, false, seeds.child("shortcut/conv")));
            shortcutBn = addChildBlock("shortcutBn", TorchLayers.batchNorm());
        } else {
            shortcutConv = null;
            shortcutBn = null;
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = conv1.forward(store, inputs, training, params);
        x = bn1.forward(store, x, training, params);
        x = new NDList(Activation.relu(x.singletonOrThrow()));
        x = conv2.forward(store, x, training, params);
        NDArray residual = bn2.forward(store, x, training, params).singletonOrThrow();
        NDArray shortcut = inputs.singletonOrThrow();
        if (shortcutConv != null) {
            NDList s = shortcutConv.forward(store, inputs, training, params);
            shortcut = shortcutBn.forward(store, s, training, params).singletonOrThrow();
        }
        return new NDList(Activation.relu(residual.add(shortcut)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv2.getOutputShapes(conv1.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv1.initialize(manager, dataType, inputShapes);
        Shape[] afterConv1 = conv1.getOutputShapes(inputShapes);
        bn1.initialize(manager, dataType, afterConv1);
        conv2.initialize(manager, dataType, afterConv1);
        bn2.initialize(manager, dataType, conv2.getOutputShapes(afterConv1));
        if (shortcutConv != null) {
            shortcutConv.initialize(manager, dataType, inputShapes);
            shortcutBn.initialize(manager, dataType, shortcutConv.getOutputShapes(inputShapes));
        }
    }

    /**
     * Names this block's layers as PyTorch's BasicBlock does.
     *
     * @param names the model's names
     * @param module this block's module path, e.g. {@code layer2.0}
     */
    void name(StateDictNames names, String module) {
        names.layer(module + ".conv1", conv1)
                .layer(module + ".bn1", bn1)
                .layer(module + ".conv2", conv2)
                .layer(module + ".bn2", bn2);
        if (shortcutConv != null) {
            names.layer(module + ".downsample.0", shortcutConv).layer(module + ".downsample.1", shortcutBn);
        }
    }
}
