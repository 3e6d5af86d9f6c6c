package dev.replica.core.training;

/**
 * The {@code training} section.
 *
 * @param epochs the number of epochs, from 1
 * @param batchSize examples per training step; the last, partial batch of an epoch is kept
 * @param evalBatchSize examples per evaluation batch (does not change results)
 */
public record Training(int epochs, int batchSize, int evalBatchSize) {

    /** The most epochs a file may ask for: beyond it a value is a typo, and step counts would overflow. */
    public static final int MAX_EPOCHS = 100_000;
}
