package dev.replica.core.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The one training step every part of Replica runs (run, resume, reproduce, check and the testkit's
 * contract): forward in training mode, softmax cross-entropy, backward, the update rule over every
 * trainable parameter, gradients zeroed. Also the loss and accuracy of evaluation, so training and
 * evaluation measure alike.
 */
public final class TrainingStep {

    /**
     * What a step computed.
     *
     * @param loss the batch's mean loss before the update
     * @param correct how many examples the logits classified right
     */
    public record Result(double loss, int correct) {}

    private final Engine engine;
    private final NDManager manager;
    private final Block block;
    private final UpdateRule rule;
    private final OptimizerState state;
    private final int classes;
    private final List<Pair<String, Parameter>> trainable = new ArrayList<>();

    /**
     * Creates the step for an initialised block.
     *
     * @param engine the engine the block lives on
     * @param manager where the step's arrays are made
     * @param block the model, initialised
     * @param rule the update rule
     * @param state the rule's state
     * @param classes the number of classes (logits per example)
     */
    public TrainingStep(
            Engine engine, NDManager manager, Block block, UpdateRule rule, OptimizerState state, int classes) {
        this.engine = engine;
        this.manager = manager;
        this.block = block;
        this.rule = rule;
        this.state = state;
        this.classes = classes;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                trainable.add(p);
            }
        }
    }

    /**
     * Trains on one batch.
     *
     * @param batch the batch
     * @param rate the learning rate
     * @return the loss and the number classified right, both before the update
     */
    public Result run(Batch batch, double rate) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = inPrecisionOf(block, manager.create(batch.features(), batch.shape()));
            NDArray logits;
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                logits = block.forward(new ParameterStore(manager, false), new NDList(x), true)
                        .singletonOrThrow();
                loss = crossEntropy(manager, logits, batch.labels(), classes);
                collector.backward(loss);
            }
            List<UpdateRule.Tensor> tensors = new ArrayList<>(trainable.size());
            for (Pair<String, Parameter> p : trainable) {
                NDArray weight = p.getValue().getArray();
                tensors.add(new UpdateRule.Tensor(p.getKey(), weight, weight.getGradient()));
            }
            double lossValue = scalar(loss);
            int correct = countCorrect(floats(logits), batch.labels(), classes);
            // A non-finite loss or gradient stops training before the update, so the weights stay good.
            String bad = Double.isFinite(lossValue) ? firstNonFiniteGradient(tensors) : null;
            boolean finite = Double.isFinite(lossValue) && bad == null;
            if (finite) {
                rule.step(tensors, rate, state);
            }
            for (UpdateRule.Tensor t : tensors) {
                // PyTorch accumulates gradients across backward passes; MXNet overwrites. Zero them, also
                // after a step that did not update (g - g is NaN there), so both engines go on alike.
                if (finite) {
                    t.gradient().subi(t.gradient());
                } else {
                    t.gradient().zerosLike().copyTo(t.gradient());
                }
            }
            if (bad != null) {
                throw new NonFiniteGradientException(bad, lossValue);
            }
            return new Result(lossValue, correct);
        }
    }

    /**
     * Returns the first tensor whose gradient holds a NaN or an infinity, or {@code null}. Each gradient's
     * sum is NaN or infinite when an element is; the sums are read back in one array, one native call a
     * tensor and one read a step. A sum can also overflow on finite values, so a suspect is confirmed
     * with {@code sum(g * 0)}, which is 0 exactly when every element is finite.
     */
    private static String firstNonFiniteGradient(List<UpdateRule.Tensor> tensors) {
        if (tensors.isEmpty()) {
            return null;
        }
        NDList sums = new NDList(tensors.size());
        for (UpdateRule.Tensor t : tensors) {
            sums.add(t.gradient().sum());
        }
        float[] values = floats(NDArrays.stack(sums));
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])
                    && !Double.isFinite(scalar(tensors.get(i).gradient().mul(0).sum()))) {
                return tensors.get(i).path();
            }
        }
        return null;
    }

    /** A gradient held a NaN or an infinity while the loss was finite. */
    public static final class NonFiniteGradientException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String path;
        private final double loss;

        NonFiniteGradientException(String path, double loss) {
            super("the gradient of " + path + " was not finite");
            this.path = path;
            this.loss = loss;
        }

        /**
         * Returns the parameter whose gradient was not finite (the first in the model's order).
         *
         * @return its path
         */
        public String path() {
            return path;
        }

        /**
         * Returns the step's loss, which was finite.
         *
         * @return the loss
         */
        public double loss() {
            return loss;
        }
    }

    /**
     * The mean softmax cross-entropy of a batch's logits.
     *
     * @param manager where the one-hot targets are made
     * @param logits the logits, one row per example
     * @param labels the labels
     * @param classes the number of classes
     * @return the mean loss, a scalar
     */
    public static NDArray crossEntropy(NDManager manager, NDArray logits, int[] labels, int classes) {
        float[] oneHot = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " is not in [0, " + classes + ")");
            }
            oneHot[i * classes + labels[i]] = 1f;
        }
        NDArray target = manager.create(oneHot, new Shape(labels.length, classes));
        if (target.getDataType() != logits.getDataType()) {
            target = target.toType(logits.getDataType(), false);
        }
        return logits.logSoftmax(1).mul(target).sum().neg().div((float) labels.length);
    }

    /**
     * Converts an input made in float32 to the precision of the block's parameters: float32 for every
     * run, float64 where the cross-engine check measures each engine's rounding against its own exact
     * step.
     *
     * @param block the model, initialised
     * @param x an array made from Java floats
     * @return {@code x}, or its float64 copy
     */
    public static NDArray inPrecisionOf(Block block, NDArray x) {
        DataType type = block.getParameters().get(0).getValue().getArray().getDataType();
        return type == x.getDataType() ? x : x.toType(type, false);
    }

    /**
     * Reads a scalar of any floating type without losing digits.
     *
     * @param a the scalar
     * @return its value
     */
    public static double scalar(NDArray a) {
        return a.getDataType() == DataType.FLOAT64 ? a.getDouble() : a.getFloat();
    }

    /**
     * Reads an array of any floating type as floats.
     *
     * @param a the array
     * @return its values, rounded to float where they are wider
     */
    public static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32
                ? a.toFloatArray()
                : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * Counts the examples whose largest logit is their label's (the first largest on ties).
     *
     * @param logits the logits, row-major
     * @param labels the labels
     * @param classes the number of classes
     * @return how many are right
     */
    public static int countCorrect(float[] logits, int[] labels, int classes) {
        int[] predicted = predictions(logits, classes);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    /**
     * Returns each example's predicted class: the first of its largest logits.
     *
     * @param logits row-major {@code (n, classes)}
     * @param classes the class count
     * @return n labels
     */
    public static int[] predictions(float[] logits, int classes) {
        int[] predicted = new int[logits.length / classes];
        for (int i = 0; i < predicted.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[i * classes + c] > logits[i * classes + best]) {
                    best = c;
                }
            }
            predicted[i] = best;
        }
        return predicted;
    }
}
