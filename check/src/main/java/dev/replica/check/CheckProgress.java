package dev.replica.check;

/** Hears about a check as it goes, for progress display. Never affects results. */
public interface CheckProgress {

    /** A listener that shows nothing. */
    CheckProgress SILENT = new CheckProgress() {};

    /**
     * A phase of one model began.
     *
     * @param model the model's label
     * @param phase e.g. {@code pytorch vs mxnet, 30 steps}
     */
    default void phase(String model, String phase) {}

    /**
     * A step finished.
     *
     * @param model the model's label
     * @param step the step, from 0
     * @param steps the number of steps
     * @param losses the step's loss on each side running, in order
     */
    default void step(String model, int step, int steps, double... losses) {}
}
