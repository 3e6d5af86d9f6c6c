package dev.replica.optimizers;

import ai.djl.ndarray.NDArray;
import dev.replica.api.OptimizerContext;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;

/**
 * Stochastic gradient descent with PyTorch's rule: {@code d = g + wd*w; b = m*b + d; w -= lr*b} (with
 * Nesterov, {@code w -= lr*(d + m*b)}). DJL's {@code Sgd} is MXNet's rule, {@code v = m*v + lr*(g +
 * wd*w)}, which differs from PyTorch's after every change of the learning rate.
 */
public final class SgdPlugin implements OptimizerPlugin {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.real("lr", "base learning rate, scaled by the schedule")
                    .withDefault(0.1)
                    .greaterThan(0),
            ParameterSpec.real("momentum", "momentum factor (0 for none)")
                    .withDefault(0.9)
                    .atLeast(0)
                    .atMost(0.999999),
            ParameterSpec.real("weight_decay", "L2 penalty added to the gradient of every parameter")
                    .withDefault(5.0e-4)
                    .atLeast(0),
            ParameterSpec.bool("nesterov", "Nesterov momentum").withDefault(false));

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public String description() {
        return "SGD with momentum and weight decay, PyTorch's update rule";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public UpdateRule create(Params params, OptimizerContext context) {
        return new Rule(
                params.getDouble("lr"),
                params.getDouble("momentum"),
                params.getDouble("weight_decay"),
                params.getBoolean("nesterov"));
    }

    /** The update rule; state is one momentum buffer per parameter. */
    static final class Rule implements UpdateRule {
        private final double lr;
        private final double momentum;
        private final double weightDecay;
        private final boolean nesterov;

        Rule(double lr, double momentum, double weightDecay, boolean nesterov) {
            this.lr = lr;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
            this.nesterov = nesterov;
        }

        @Override
        public double baseRate() {
            return lr;
        }

        @Override
        public void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state) {
            // In place, in the gradient (scratch space, zeroed after the step): the same operations in the same
            // order as d = g + wd*w etc., so the same bits, with one temporary fewer and no new d.
            NDArray d = weightDecay == 0 ? gradient : gradient.addi(weight.mul((float) weightDecay));
            if (momentum != 0) {
                NDArray buffer = state.get(path, "momentum");
                if (buffer == null) {
                    buffer = state.put(path, "momentum", d); // PyTorch starts the buffer at d
                } else {
                    buffer.muli((float) momentum).addi(d);
                }
                d = nesterov ? d.addi(buffer.mul((float) momentum)) : buffer;
            }
            weight.subi(d.mul((float) rate));
        }
    }
}
