package dev.replica.core.training;

import dev.replica.api.UserException;

/**
 * Training stopped because a step's loss was NaN or infinite: going on would only train on garbage
 * and overwrite good checkpoints with it. Nothing after the last good checkpoint is written.
 */
public final class NonFiniteLossException extends UserException {

    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int step;

    /**
     * Creates the exception.
     *
     * @param message what happened, where, and what was kept
     * @param epoch the epoch of the step (from 1)
     * @param step the step within the epoch (from 1)
     */
    public NonFiniteLossException(String message, int epoch, int step) {
        super(message);
        this.epoch = epoch;
        this.step = step;
    }

    /**
     * Returns the epoch of the step whose loss was not finite.
     *
     * @return the epoch, from 1
     */
    public int epoch() {
        return epoch;
    }

    /**
     * Returns the step, within its epoch, whose loss was not finite.
     *
     * @return the step, from 1
     */
    public int step() {
        return step;
    }
}
