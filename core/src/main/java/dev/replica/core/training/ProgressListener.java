package dev.replica.core.training;

import dev.replica.core.state.EpochRecord;

/** Hears about training as it goes, for progress display. Never affects results. */
public interface ProgressListener {

    /** A listener that shows nothing. */
    ProgressListener SILENT = new ProgressListener() {};

    /**
     * A training step was trained; its loss is not read yet. Called at once, before {@link #step}.
     *
     * @param label the model
     * @param epoch the epoch, from 1
     * @param step the step within the epoch, from 1
     * @param steps the steps of the epoch
     */
    default void stepTrained(String label, int epoch, int step, int steps) {}

    /**
     * A training step's figures were read. The loop reads a log interval's steps at once (about a second
     * of training), so this comes for every step, in order, but up to a second after {@link #stepTrained}.
     *
     * @param label the model
     * @param epoch the epoch, from 1
     * @param epochs the number of epochs
     * @param step the step within the epoch, from 1
     * @param steps the steps of the epoch
     * @param meanLoss the mean training loss of the epoch so far
     * @param accuracy the training accuracy of the epoch so far
     */
    default void step(String label, int epoch, int epochs, int step, int steps, double meanLoss, double accuracy) {}

    /**
     * An evaluation batch finished.
     *
     * @param label the model
     * @param split what is evaluated, e.g. {@code validation} or {@code test}
     * @param done examples evaluated so far
     * @param total examples to evaluate
     */
    default void evaluation(String label, String split, int done, int total) {}

    /**
     * An epoch finished.
     *
     * @param label the model
     * @param record what it produced
     * @param epochs the number of epochs
     */
    default void epoch(String label, EpochRecord record, int epochs) {}
}
