package dev.replica.check;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerContext;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.OptimizerState;
import dev.replica.api.Plugin;
import dev.replica.api.UpdateRule;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.Map;

/**
 * Plugins with a real mistake in them, for proving that the check catches it: an optimizer that never
 * zeroes its gradients, and a small BatchNorm network whose momentum is a parameter.
 */
final class Faults {

    private Faults() {}

    /** Every discovered plugin, plus the faulty ones. */
    static final PluginRegistry REGISTRY = registry();

    private static PluginRegistry registry() {
        PluginRegistry.Builder b = PluginRegistry.builder();
        for (PluginKind kind : PluginKind.values()) {
            for (Map.Entry<String, Plugin> e : TinyCheck.REGISTRY.all(kind).entrySet()) {
                b.add(kind, e.getValue());
            }
        }
        OptimizerPlugin sgd = TinyCheck.REGISTRY.optimizer("sgd");
        return b.add(PluginKind.OPTIMIZER, new GradientsKept(sgd))
                .add(PluginKind.MODEL, new BatchNormNet())
                .build();
    }

    /**
     * SGD fed the sum of every gradient so far, as if the gradients were never zeroed between steps
     * (PyTorch's {@code backward} accumulates them).
     */
    static final class GradientsKept implements OptimizerPlugin {
        private final OptimizerPlugin sgd;

        GradientsKept(OptimizerPlugin sgd) {
            this.sgd = sgd;
        }

        @Override
        public String name() {
            return "sgd-gradients-kept";
        }

        @Override
        public ParameterSchema schema() {
            return sgd.schema();
        }

        @Override
        public UpdateRule create(Params params, OptimizerContext context) {
            UpdateRule rule = sgd.create(params, context);
            return new UpdateRule() {
                @Override
                public double baseRate() {
                    return rule.baseRate();
                }

                @Override
                public void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state) {
                    NDArray sum = state.get(path, "gradient_sum");
                    if (sum == null) {
                        sum = state.put(path, "gradient_sum", gradient);
                    } else {
                        sum.addi(gradient);
                    }
                    rule.update(path, weight, sum, rate, state);
                }
            };
        }
    }

    /** Two convolutions with BatchNorm and a linear head; {@code bn_momentum} as in PyTorch (0.1). */
    static final class BatchNormNet implements ModelPlugin {
        private static final ParameterSchema SCHEMA = ParameterSchema.of(
                ParameterSpec.real("bn_momentum", "PyTorch's BatchNorm momentum")
                        .withDefault(0.1),
                ParameterSpec.integer("classes", "classes").withDefault(4));

        @Override
        public String name() {
            return "bn-net";
        }

        @Override
        public ParameterSchema schema() {
            return SCHEMA;
        }

        @Override
        public Block create(Params params, ModelContext context) {
            float djlMomentum = (float) (1 - params.getDouble("bn_momentum"));
            var seeds = context.initSeeds();
            return new SequentialBlock()
                    .add(TorchLayers.heConv(3, 8, 1, SeededInitializer.Fan.IN, false, seeds.child("conv1")))
                    .add(BatchNorm.builder()
                            .optMomentum(djlMomentum)
                            .optEpsilon(1e-5f)
                            .build())
                    .add(Activation::relu)
                    .add(TorchLayers.heConv(3, 8, 2, SeededInitializer.Fan.IN, false, seeds.child("conv2")))
                    .add(BatchNorm.builder()
                            .optMomentum(djlMomentum)
                            .optEpsilon(1e-5f)
                            .build())
                    .add(Activation::relu)
                    .add(Pool.globalAvgPool2dBlock())
                    .add(Blocks.batchFlattenBlock())
                    .add(TorchLayers.linear(params.getInt("classes"), 8, seeds.child("fc")));
        }
    }
}
