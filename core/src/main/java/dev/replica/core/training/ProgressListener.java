package dev.replica.core.training;

import dev.replica.core.state.EpochRecord;

/** Hears about training as it goes, for progress display. Never affects results. */
public interface ProgressListener {

    /** A listener that shows nothing. */
    ProgressListener SILENT = new ProgressListener() {};

    /**
     * A training step finished.
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
