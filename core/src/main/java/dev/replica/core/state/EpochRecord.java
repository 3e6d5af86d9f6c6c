package dev.replica.core.state;

/**
 * What one epoch produced. Everything but the times is a function of the run, so the history written
 * from it is byte-identical on rerun; the times go to a separate file.
 *
 * @param epoch the epoch, from 1
 * @param lr the learning rate the epoch trained with
 * @param trainLoss mean cross-entropy over the epoch's training examples
 * @param trainAccuracy fraction of training examples classified right during the epoch
 * @param valLoss mean cross-entropy on the validation split after the epoch
 * @param valAccuracy fraction of the validation split classified right after the epoch
 * @param trainSeconds wall-clock seconds of training
 * @param evalSeconds wall-clock seconds of validation
 * @param trainExamples examples trained on
 * @param evalExamples examples validated
 */
public record EpochRecord(
        int epoch,
        double lr,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double trainSeconds,
        double evalSeconds,
        int trainExamples,
        int evalExamples) {}
