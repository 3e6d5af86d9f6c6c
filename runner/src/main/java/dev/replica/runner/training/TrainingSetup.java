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
}
