package dev.replica.cli;

import java.util.function.LongSupplier;

/**
 * Steps per second of an epoch, timed when each step is trained. The figures of a log interval's steps
 * are read together, so timing their reads would put a second's steps a few microseconds apart. For
 * display only.
 */
final class StepRate {

    private final LongSupplier clock;
    private int firstStep;
    private long firstAt;
    private int lastStep;
    private long lastAt;

    /**
     * Creates the rate.
     *
     * @param clock nanoseconds, e.g. {@code System::nanoTime}
     */
    StepRate(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * A step was trained.
     *
     * @param step the step within its epoch, from 1
     */
    void trained(int step) {
        long now = clock.getAsLong();
        // A new epoch, or the first of a resumed run, which starts past step 1.
        if (lastStep == 0 || step <= lastStep) {
            firstStep = step;
            firstAt = now;
        }
        lastStep = step;
        lastAt = now;
    }

    /**
     * The latest step trained.
     *
     * @return the step within its epoch, from 1; 0 before any
     */
    int lastStep() {
        return lastStep;
    }

    /**
     * The rate from the end of the epoch's first step, which carries the warm-up, to the latest.
     *
     * @return steps per second; 0 before a second step
     */
    double perSecond() {
        return lastStep > firstStep && lastAt > firstAt ? (lastStep - firstStep) / ((lastAt - firstAt) / 1e9) : 0;
    }
}
