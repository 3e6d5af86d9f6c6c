package dev.replica.core.training;

/**
 * The {@code training} section.
 *
 * @param epochs the number of epochs, from 1
 * @param batchSize examples per training step; the last, partial batch of an epoch is kept
 * @param evalBatchSize examples per evaluation batch (does not change results)
 */
public record Training(int epochs, int batchSize, int evalBatchSize) {}
