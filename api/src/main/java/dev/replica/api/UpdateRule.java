package dev.replica.api;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * How the parameters are updated from their gradients. All state lives in the {@link OptimizerState}
 * the trainer passes, keyed by each parameter's path, so that it can be checkpointed and restored.
 *
 * <p>A per-tensor rule implements {@link #update} only; a rule that needs every tensor of a step at once
 * (a fused update, clipping by the global gradient norm) overrides {@link #step} as well.
 */
public interface UpdateRule {

    /**
     * One trainable parameter at one step.
     *
     * @param path the parameter's stable path in the block, the key of its state
     * @param weight the parameter, to update in place
     * @param gradient the gradient of the loss with respect to {@code weight}
     */
    record Tensor(String path, NDArray weight, NDArray gradient) {}

    /**
     * Returns the base learning rate, which the schedule scales.
     *
     * @return the base rate
     */
    double baseRate();

    /**
     * Updates one parameter in place.
     *
     * @param path the parameter's stable path in the block, the key of its state
     * @param weight the parameter, updated in place
     * @param gradient the gradient of the loss with respect to {@code weight}; the rule may overwrite it
     *     (scratch space for an in-place update), since the trainer zeroes every gradient after the step
     * @param rate the learning rate of this step
     * @param state the optimizer state of the whole model
     */
    void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state);

    /**
     * Updates every trainable parameter of a step; the trainer calls this once per step. By default,
     * {@link #update} for each tensor in the block's order.
     *
     * @param tensors every trainable parameter with its gradient, in the block's order
     * @param rate the learning rate of this step
     * @param state the optimizer state of the whole model
     */
    default void step(List<Tensor> tensors, double rate, OptimizerState state) {
        for (Tensor t : tensors) {
            update(t.path(), t.weight(), t.gradient(), rate, state);
        }
    }
}
