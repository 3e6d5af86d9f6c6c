package dev.replica.runner.check;

import dev.replica.api.ModelPlugin;
import dev.replica.api.params.Params;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.TrainingSetup;

/**
 * One model training on one side, step by step, exactly as {@code replica run} trains it: step
 * {@code s} is step {@code s mod stepsPerEpoch} of epoch {@code s / stepsPerEpoch + 1}, with that
 * epoch's order and augmentation streams, the schedule's rate and the dropout masks of global step
 * {@code s}.
 */
final class Lane implements AutoCloseable {

    private final TrainingSetup setup;
    private final ModelTrainer trainer;

    Lane(TrainingSetup setup, String label, ModelPlugin plugin, Params params) {
        this.setup = setup;
        this.trainer = new ModelTrainer(setup, label, plugin, params);
    }

    ModelTrainer trainer() {
        return trainer;
    }

    TrainingSetup setup() {
        return setup;
    }

    /**
     * Trains one step and measures the parameter norm after it.
     *
     * @param step the global step; steps must come in order from 0
     * @param measureNorm whether to measure the norm here (the caller may measure it with a comparison)
     * @return what the step gave; the norm is NaN when not measured
     */
    StepMetrics step(int step, boolean measureNorm) {
        ModelTrainer.StepResult r = trainer.trainStep(step);
        double norm = measureNorm ? Weights.norm(trainer.block()) : Double.NaN;
        return new StepMetrics(step, r.epoch(), r.rate(), r.loss(), (double) r.correct() / r.examples(), norm);
    }

    @Override
    public void close() {
        trainer.close();
    }
}
