package dev.replica.testkit;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;

/**
 * A hand-written fake model plugin: conv 3x3 -> BN -> ReLU -> global average pool -> linear, correct
 * unless told to make one of the mistakes the contract must catch.
 */
final class TinyPlugin implements ModelPlugin {

    /** The mistakes a broken plugin can make. */
    enum Flaw {
        NONE,
        UPPER_CASE_NAME,
        UNDESCRIBED_PARAMETER,
        XAVIER_LEFT_ON_LINEAR,
        STREAM_SHARED_BY_WEIGHT_AND_BIAS,
        IGNORES_RUN_SEED,
        ONE_OUTPUT_TOO_MANY,
        ENGINE_RANDOM_DROPOUT,
        /** From the second training step on, MXNet's outputs are scaled by 1.001: a step that differs. */
        MXNET_STEPS_DIFFER
    }

    private final Flaw flaw;

    TinyPlugin(Flaw flaw) {
        this.flaw = flaw;
    }

    @Override
    public String name() {
        return flaw == Flaw.UPPER_CASE_NAME ? "Tiny" : "tiny";
    }

    @Override
    public ParameterSchema schema() {
        return ParameterSchema.of(
                ParameterSpec.integer("classes", flaw == Flaw.UNDESCRIBED_PARAMETER ? " " : "number of classes")
                        .withDefault(3)
                        .atLeast(2));
    }

    @Override
    public Block create(Params params, ModelContext context) {
        int classes = context.classes();
        SeedStream seeds = flaw == Flaw.IGNORES_RUN_SEED ? SeedStream.root(42).child("tiny") : context.initSeeds();
        Conv2d conv = TorchLayers.heConv(3, 4, 1, Fan.IN, false, seeds.child("conv"));
        Linear fc = Linear.builder()
                .setUnits(flaw == Flaw.ONE_OUTPUT_TOO_MANY ? classes + 1 : classes)
                .build();
        if (flaw != Flaw.XAVIER_LEFT_ON_LINEAR) {
            fc.setInitializer(SeededInitializer.uniformFanIn(seeds.child("fc/weight")), Parameter.Type.WEIGHT);
        }
        String biasStream = flaw == Flaw.STREAM_SHARED_BY_WEIGHT_AND_BIAS ? "fc/weight" : "fc/bias";
        fc.setInitializer(SeededInitializer.uniform(seeds.child(biasStream), 0.5), Parameter.Type.BIAS);
        SequentialBlock net = new SequentialBlock()
                .add(conv)
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock());
        if (flaw == Flaw.ENGINE_RANDOM_DROPOUT) {
            net.add(Dropout.builder().optRate(0.5f).build());
        }
        if (flaw == Flaw.MXNET_STEPS_DIFFER) {
            net.add(new LambdaBlock(x -> context.trainingStep().getAsLong() >= 1
                            && "MXNet".equals(x.head().getManager().getEngine().getEngineName())
                    ? new NDList(x.head().mul(1.001f))
                    : x));
        }
        return net.add(fc);
    }
}
