package dev.replica.api;

/**
 * The learning rate as a pure function of the position in training, so that a resumed run needs no
 * schedule state.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * Returns the rate used for one training step.
     *
     * @param epoch the epoch, counted from 1
     * @param step the step within the epoch, counted from 0
     * @return the learning rate
     */
    double rate(int epoch, int step);
}
