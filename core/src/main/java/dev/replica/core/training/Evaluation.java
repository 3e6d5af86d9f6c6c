package dev.replica.core.training;

/**
 * Loss and accuracy over a split.
 *
 * @param loss mean cross-entropy
 * @param accuracy fraction classified right, in [0, 1]
 * @param examples how many examples
 */
public record Evaluation(double loss, double accuracy, int examples) {}
