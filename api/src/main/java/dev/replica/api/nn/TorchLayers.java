package dev.replica.api.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.Initializer;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.seed.SeedStream;

/**
 * DJL layers with PyTorch's conventions and their initialisation attached, for model plugins. Each layer
 * draws its weight from {@code layer.child("weight")} and its bias from {@code layer.child("bias")}, so a
 * plugin names one stream per layer, e.g. {@code seeds.child("stage2/block1/conv1")}.
 */
public final class TorchLayers {

    private TorchLayers() {}

    /**
     * A square convolution padded to keep the size at stride 1, with He (Kaiming) normal weights and,
     * when it has a bias, a zero bias: the usual initialisation of CNNs for CIFAR.
     *
     * @param kernel the kernel size (odd)
     * @param filters the output channels
     * @param stride the stride
     * @param fan which fan sets the scale (ResNet: IN; torchvision's VGG: OUT)
     * @param bias whether the layer has a bias
     * @param layer the layer's stream
     * @return the convolution
     */
    public static Conv2d heConv(int kernel, int filters, int stride, Fan fan, boolean bias, SeedStream layer) {
        Conv2d conv = conv2d(kernel, filters, stride, bias);
        conv.setInitializer(SeededInitializer.heNormal(layer.child("weight"), fan), Parameter.Type.WEIGHT);
        if (bias) {
            conv.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
        }
        return conv;
    }

    /**
     * A square convolution with bias and PyTorch's default initialisation: weight and bias uniform in
     * {@code +-1/sqrt(fan_in)}, {@code fan_in = inChannels * kernel^2}.
     *
     * @param kernel the kernel size (odd)
     * @param filters the output channels
     * @param stride the stride
     * @param inChannels the input channels
     * @param layer the layer's stream
     * @return the convolution
     */
    public static Conv2d defaultConv(int kernel, int filters, int stride, long inChannels, SeedStream layer) {
        Conv2d conv = conv2d(kernel, filters, stride, true);
        conv.setInitializer(SeededInitializer.uniformFanIn(layer.child("weight")), Parameter.Type.WEIGHT);
        conv.setInitializer(
                SeededInitializer.uniform(layer.child("bias"), 1 / Math.sqrt((double) inChannels * kernel * kernel)),
                Parameter.Type.BIAS);
        return conv;
    }

    /**
     * A linear layer with PyTorch's default initialisation: weight and bias uniform in
     * {@code +-1/sqrt(in_features)}.
     *
     * @param units the output features
     * @param inFeatures the input features
     * @param layer the layer's stream
     * @return the layer
     */
    public static Linear linear(int units, long inFeatures, SeedStream layer) {
        Linear linear = Linear.builder().setUnits(units).build();
        linear.setInitializer(SeededInitializer.uniformFanIn(layer.child("weight")), Parameter.Type.WEIGHT);
        linear.setInitializer(
                SeededInitializer.uniform(layer.child("bias"), 1 / Math.sqrt(inFeatures)), Parameter.Type.BIAS);
        return linear;
    }

    /**
     * BatchNorm as PyTorch's default: momentum 0.1 (DJL's 0.9), epsilon 1e-5, weight 1 and bias 0 (DJL's
     * constant initializers, which draw nothing from the engine).
     *
     * @return the layer
     */
    public static BatchNorm batchNorm() {
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build();
    }

    private static Conv2d conv2d(int kernel, int filters, int stride, boolean bias) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(bias)
                .build();
    }
}
