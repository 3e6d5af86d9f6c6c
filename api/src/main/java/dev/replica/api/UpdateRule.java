package dev.replica.api;

import ai.djl.ndarray.NDArray;

/**
 * How one parameter is updated from its gradient. All state lives in the {@link OptimizerState} the
 * runner passes, keyed by the parameter's path, so that the runner can checkpoint and restore it.
 */
public interface UpdateRule {

    /**
     * Returns the base learning rate, which the schedule scales.
     *
     * @return the base rate
     */
    double baseRate();

    /**
     * Updates {@code weight} in place.
     *
     * @param path the parameter's stable path in the block, the key of its state
     * @param weight the parameter, updated in place
     * @param gradient the gradient of the loss with respect to {@code weight}; not modified
     * @param rate the learning rate of this step
     * @param state the optimizer state of the whole model
     */
    void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state);
}
