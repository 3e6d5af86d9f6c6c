package dev.replica.check;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerState;
import dev.replica.api.params.Params;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.TensorFile;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.TrainingSetup;
import dev.replica.core.training.TrainingStep;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

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
        this(setup, label, plugin, params, DataType.FLOAT32);
    }

    /**
     * Creates a lane whose model computes in the given precision.
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its parameters
     * @param precision float32, or float64 for the lanes that measure rounding
     */
    Lane(TrainingSetup setup, String label, ModelPlugin plugin, Params params, DataType precision) {
        this(setup, label, plugin, params, precision, null);
    }

    /**
     * Creates a lane whose model starts from the experiment's initial weights, when it has them.
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its parameters
     * @param precision float32, or float64 for the lanes that measure rounding
     * @param weights the model's initial weights file, or {@code null}
     */
    Lane(TrainingSetup setup, String label, ModelPlugin plugin, Params params, DataType precision, Path weights) {
        this.setup = setup;
        this.trainer = new ModelTrainer(setup, label, plugin, params, precision, weights);
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
        // A gradient that is not finite stopped the step before its update: the lane has diverged.
        TrainingStep.Outcome o = r.outcome();
        boolean updated = o.nonFiniteGradient() == null;
        return new StepMetrics(
                step,
                r.epoch(),
                r.rate(),
                updated ? o.loss() : Double.NaN,
                updated ? (double) o.correct() / o.examples() : 0,
                norm);
    }

    /**
     * Copies out everything a step depends on: every parameter and BatchNorm statistic, and the update
     * rule's state.
     *
     * @return the copy, in Java memory
     */
    State state() {
        Map<String, TensorFile.Entry> weights = new LinkedHashMap<>();
        ModelState.arrays(trainer.block()).forEach((path, a) -> weights.put(path, entry(a)));
        SortedMap<String, TensorFile.Entry> slots = new TreeMap<>();
        trainer.optimizerState().slots().forEach((key, a) -> slots.put(key, entry(a)));
        return new State(weights, slots);
    }

    /**
     * Puts a state in place of this lane's own, on this lane's engine.
     *
     * @param state a state of the same model, possibly from another engine
     */
    void restore(State state) {
        ModelState.copyInto(trainer.block(), state.weights(), "the reference's state");
        OptimizerState target = trainer.optimizerState();
        state.slots().forEach((key, e) -> {
            int slash = key.lastIndexOf('/');
            try (NDArray a = target.manager().create(e.values(), e.shape());
                    NDArray typed = a.getDataType() == precision() ? null : a.toType(precision(), false)) {
                target.put(key.substring(0, slash), key.substring(slash + 1), typed == null ? a : typed);
            }
        });
    }

    /**
     * Reads tensors without losing digits: a float64 lane's weights as they are.
     *
     * @param paths the tensors to read
     * @return their values by path
     */
    Map<String, double[]> values(Collection<String> paths) {
        Map<String, NDArray> arrays = ModelState.arrays(trainer.block());
        Map<String, double[]> values = new LinkedHashMap<>();
        for (String path : paths) {
            NDArray a = arrays.get(path);
            if (a.getDataType() == DataType.FLOAT64) {
                values.put(path, a.toDoubleArray());
            } else {
                float[] f = a.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                values.put(path, d);
            }
        }
        return values;
    }

    private static TensorFile.Entry entry(NDArray a) {
        return new TensorFile.Entry(a.getShape(), TensorFile.floats(a));
    }

    /**
     * A lane's state between two steps.
     *
     * @param weights every parameter and statistic by path, in block order
     * @param slots the update rule's state by {@code <path>/<slot>}
     */
    record State(Map<String, TensorFile.Entry> weights, SortedMap<String, TensorFile.Entry> slots) {

        /** Keeps read-only views. */
        State {
            weights = Collections.unmodifiableMap(weights);
            slots = Collections.unmodifiableSortedMap(slots);
        }
    }

    private DataType precision() {
        return trainer.block().getParameters().get(0).getValue().getArray().getDataType();
    }

    /**
     * Waits for the engine's work on this lane's arrays, then frees them: MXNet computes asynchronously,
     * and its threads still writing a step's update while the arrays are freed, or while a stopped check
     * exits, crash the process.
     */
    @Override
    public void close() {
        try {
            state(); // reading every weight and update-rule slot waits for their last writes
        } finally {
            trainer.close();
        }
    }
}
