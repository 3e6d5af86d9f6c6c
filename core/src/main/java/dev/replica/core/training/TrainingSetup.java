package dev.replica.core.training;

import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ModelContext;
import dev.replica.api.UpdateRule;
import dev.replica.api.seed.SeedNames;
import dev.replica.api.seed.SeedStream;
import java.util.Arrays;
import java.util.function.LongSupplier;

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
        return Batch.perEpoch(data.train().size(), training.batchSize());
    }

    /**
     * Returns the examples of one step of an epoch: the step's slice of the epoch's order, the last one
     * shorter when the batch size does not divide the training set. {@code run} and {@code check} both
     * take their batches from here, so they train on the same ones.
     *
     * @param order the epoch's order, from {@link #order}
     * @param step the step within the epoch, from 0
     * @return the example indices
     */
    public int[] batchIndices(int[] order, int step) {
        int from = step * training.batchSize();
        return Arrays.copyOfRange(order, from, Math.min(order.length, from + training.batchSize()));
    }

    /**
     * Returns the order in which an epoch visits the training examples: stream {@code data/order/<epoch>}.
     *
     * @param epoch the epoch, from 1
     * @return a permutation of the training indices
     */
    public int[] order(int epoch) {
        return seeds.child(SeedNames.ORDER)
                .child(epoch)
                .random()
                .permutation(data.train().size());
    }

    /**
     * Returns what a model plugin builds a model from: the label, its {@code init/<label>} and {@code
     * dropout/<label>} streams, the step dropout reads, and the data's shape and classes.
     *
     * @param label the model's label
     * @param trainingStep the global training step, for dropout masks
     * @return the context
     */
    public ModelContext modelContext(String label, LongSupplier trainingStep) {
        return new ModelContext(
                label,
                seeds.child(SeedNames.init(label)),
                seeds.child(SeedNames.dropout(label)),
                trainingStep,
                data.exampleShape(),
                data.classes());
    }

    /**
     * Returns the stream an epoch's augmentation draws from: {@code data/augment/<epoch>}.
     *
     * @param epoch the epoch, from 1
     * @return the stream
     */
    public SeedStream augmentation(int epoch) {
        return seeds.child(SeedNames.AUGMENT).child(epoch);
    }
}
