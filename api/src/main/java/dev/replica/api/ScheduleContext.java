package dev.replica.api;

/**
 * What a schedule plugin receives from the run.
 *
 * @param baseRate the optimizer's base learning rate
 * @param epochs the number of epochs of the run
 * @param stepsPerEpoch the number of training steps in one epoch
 */
public record ScheduleContext(double baseRate, int epochs, int stepsPerEpoch) {}
