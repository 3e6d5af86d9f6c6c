package dev.replica.api;

/**
 * What an optimizer plugin is given besides its parameters; a record so that it can grow without
 * breaking plugins.
 *
 * @param epochs the number of epochs the run trains
 * @param stepsPerEpoch the number of steps of an epoch (the last, partial batch included)
 */
public record OptimizerContext(int epochs, int stepsPerEpoch) {}
