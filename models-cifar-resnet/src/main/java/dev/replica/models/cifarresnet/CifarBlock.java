package dev.replica.models.cifarresnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.StateDictNames;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.seed.SeedStream;
import java.util.List;

/**
 * One pair of 3x3 convolutions of the paper's CIFAR nets: {@code relu(bn2(conv2(relu(bn1(conv1(x))))) +
 * shortcut(x))}, or without the {@code + shortcut(x)} in a plain net. Where the shape changes, the
 * shortcut is option A (subsample by 2, zero channels on both sides; no parameters) or option B (a 1x1
 * convolution and BatchNorm); elsewhere it is the identity.
 */
final class CifarBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    /** What adds to the second BatchNorm's output. */
    enum Shortcut {
        /** A plain net: nothing. */
        NONE,
        /** Identity; subsample and zero-pad channels where the shape changes. */
        A,
        /** Identity; 1x1 convolution and BatchNorm where the shape changes. */
        B
    }

    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Shortcut shortcut;
    private final boolean reshapes;
    private final int channels;
    /** conv1, bn1, ReLU, conv2, bn2. */
    private final SequentialBlock pair;
    /** Option B's 1x1 convolution and BatchNorm where the shape changes; else {@code null}. */
    private final SequentialBlock projection;

    /**
     * Creates the block.
     *
     * @param inChannels the input channels
     * @param channels the output channels: the input's, or twice them with stride 2
     * @param stride the stride of the first convolution (1 or 2)
     * @param shortcut the kind of shortcut
     * @param seeds the block's stream, e.g. {@code init/resnet20/stage2/block1}
     */
    CifarBlock(int inChannels, int channels, int stride, Shortcut shortcut, SeedStream seeds) {
        super(VERSION);
        this.shortcut = shortcut;
        this.channels = channels;
        this.reshapes = stride != 1 || inChannels != channels;
        if (reshapes && (stride != 2 || channels != 2 * inChannels)) {
            throw new IllegalArgumentException("a block either keeps the shape or halves the map and doubles the "
                    + "channels: " + inChannels + " -> " + channels + " at stride " + stride);
        }
        conv1 = TorchLayers.heConv(3, channels, stride, Fan.IN, false, seeds.child("conv1"));
        bn1 = TorchLayers.batchNorm();
        conv2 = TorchLayers.heConv(3, channels, 1, Fan.IN, false, seeds.child("conv2"));
        bn2 = TorchLayers.batchNorm();
        pair = addChildBlock(
                "pair",
                new SequentialBlock()
                        .add(conv1)
                        .add(bn1)
                        .add(Activation.reluBlock())
                        .add(conv2)
                        .add(bn2));
        projection = reshapes && shortcut == Shortcut.B
                ? addChildBlock(
                        "shortcut",
                        new SequentialBlock()
                                .add(TorchLayers.heConv(
                                        1, channels, stride, Fan.IN, false, seeds.child("shortcut/conv")))
                                .add(TorchLayers.batchNorm()))
                : null;
    }

    /**
     * Option A where the shape changes, as akamaster's {@code LambdaLayer}: {@code x[:, :, ::2, ::2]}
     * with {@code channels / 4} zero channels before and after, so the input's channels sit in the
     * middle.
     *
     * @param x the block's input, {@code (n, channels / 2, h, w)}
     * @param channels the output channels
     * @return {@code (n, channels, ceil(h / 2), ceil(w / 2))}
     */
    static NDArray subsampleAndPad(NDArray x, int channels) {
        NDArray sub = x.get(new NDIndex(":, :, ::2, ::2"));
        Shape s = sub.getShape();
        long pad = channels / 4;
        NDArray zeros = sub.getManager()
                .zeros(new Shape(s.get(0), pad, s.get(2), s.get(3)), sub.getDataType(), sub.getDevice());
        return NDArrays.concat(new NDList(zeros, sub, zeros), 1);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray out = pair.forward(store, inputs, training, params).singletonOrThrow();
        NDArray input = inputs.singletonOrThrow();
        if (shortcut == Shortcut.NONE) {
            return new NDList(Activation.relu(out));
        }
        NDArray identity;
        if (!reshapes) {
            identity = input;
        } else if (projection == null) {
            identity = subsampleAndPad(input, channels);
        } else {
            identity = projection.forward(store, inputs, training, params).singletonOrThrow();
        }
        return new NDList(Activation.relu(out.add(identity)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return pair.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        pair.initialize(manager, dataType, inputShapes);
        if (projection != null) {
            projection.initialize(manager, dataType, inputShapes);
        }
    }

    /**
     * Names this block's layers as akamaster's {@code BasicBlock} does.
     *
     * @param names the model's names
     * @param module this block's module path, e.g. {@code layer2.0}
     */
    void name(StateDictNames names, String module) {
        names.layer(module + ".conv1", conv1)
                .layer(module + ".bn1", bn1)
                .layer(module + ".conv2", conv2)
                .layer(module + ".bn2", bn2);
        if (projection != null) {
            List<Block> layers = projection.getChildren().values();
            names.layer(module + ".shortcut.0", layers.get(0)).layer(module + ".shortcut.1", layers.get(1));
        }
    }
}
