package dev.replica.runner.training;

import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.LearningRateSchedule;
import dev.replica.api.UpdateRule;
import dev.replica.api.seed.SeedStream;
import dev.replica.runner.config.Training;

/**
 * What every model of one run shares.
 *
 * @param session the engine
 * @param data the dataset
 * @param training epochs and batch sizes
 * @param seeds the run's root stream
 * @param rule the update rule
 * @param schedule the learning-rate schedule
 */
public record TrainingSetup(
        EngineSession session,
        DataSplits data,
        Training training,
        SeedStream seeds,
        UpdateRule rule,
        LearningRateSchedule schedule) {

    /**
     * Returns the number of training steps per epoch; the last, partial batch is kept.
     *
     * @return the step count
     */
    public int stepsPerEpoch() {
        int n = data.train().size();
        return (n + training.batchSize() - 1) / training.batchSize();
    }

    /**
     * Returns the order in which an epoch visits the training examples: stream {@code data/order/<epoch>}.
     *
     * @param epoch the epoch, from 1
     * @return a permutation of the training indices
     */
    public int[] order(int epoch) {
        return seeds.child("data/order").child(epoch).random().permutation(data.train().size());
    }

    /**
     * Returns the stream an epoch's augmentation draws from: {@code data/augment/<epoch>}.
     *
     * @param epoch the epoch, from 1
     * @return the stream
     */
    public SeedStream augmentation(int epoch) {
        return seeds.child("data/augment").child(epoch);
    }
}
