package dev.replica.check;

/**
 * What one side measured at one training step.
 *
 * @param step the global step, from 0
 * @param epoch the epoch the step belongs to, from 1
 * @param lr the learning rate of the step
 * @param loss the batch's mean cross-entropy in the step's forward pass, before its update
 * @param accuracy the fraction of the batch classified right in that pass
 * @param paramNorm the L2 norm of every trainable parameter after the step's update
 */
record StepMetrics(int step, int epoch, double lr, double loss, double accuracy, double paramNorm) {

    /**
     * Returns whether two records hold bit-identical values.
     *
     * @param other another record
     * @return {@code true} when every value has the same bits
     */
    boolean sameBits(StepMetrics other) {
        return step == other.step
                && epoch == other.epoch
                && same(lr, other.lr)
                && same(loss, other.loss)
                && same(accuracy, other.accuracy)
                && same(paramNorm, other.paramNorm);
    }

    static boolean same(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }
}
