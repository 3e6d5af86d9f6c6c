package dev.replica.models.resnet;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.seed.SeedStream;

/** The two leaf layers of the CIFAR ResNet, with their initialisation attached. */
final class Layers {

    private Layers() {}

    /**
     * A square convolution without bias, padded to keep the size at stride 1, He normal (fan-in).
     *
     * @param kernel the kernel size, 1 or 3
     * @param filters the output channels
     * @param stride the stride
     * @param weight the weight's own stream
     * @return the convolution
     */
    static Conv2d conv(int kernel, int filters, int stride, SeedStream weight) {
        Conv2d conv = Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(false)
                .build();
        conv.setInitializer(SeededInitializer.heNormal(weight, Fan.IN), Parameter.Type.WEIGHT);
        return conv;
    }

    /**
     * BatchNorm as PyTorch's default: momentum 0.1 (DJL's 0.9), epsilon 1e-5, weight 1 and bias 0
     * (DJL's constant initializers for gamma and beta).
     *
     * @return the layer
     */
    static BatchNorm batchNorm() {
        return BatchNorm.builder().optMomentum(0.9f).optEpsilon(1e-5f).build();
    }
}
