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
import dev.replica.api.EngineSession;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.core.state.TensorFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one training step every part of Replica runs (run, resume, reproduce, check and the testkit's
 * contract): forward in training mode, softmax cross-entropy, backward, the update rule over every
 * trainable parameter, gradients zeroed. Also the loss and accuracy of evaluation, so training and
 * evaluation measure alike.
 *
 * <p>A step reads nothing back: its loss, its logits and the sum of each gradient stay on the engine in
 * a {@link Pending} until {@link #finish} reads the steps of a log interval in three transfers. So the
 * engine (MXNet's is asynchronous) never waits for Java between steps. A NaN or infinite loss or
 * gradient is found there, at its step; the steps after it were taken on bad weights, so the trainer
 * stops and writes nothing of them.
 */
public final class TrainingStep {

    /**
     * A step whose figures are still on the engine.
     *
     * @param loss the mean loss, a scalar
     * @param logits the logits, {@code (batch, classes)}
     * @param gradientSums one number per trainable parameter, in the block's order, finite exactly when its
     *     gradient is ({@link EngineSession#gradientCheck}); {@code null} when the block has none
     * @param labels the batch's labels
     */
    public record Pending(NDArray loss, NDArray logits, NDArray gradientSums, int[] labels) implements AutoCloseable {

        @Override
        public void close() {
            loss.close();
            logits.close();
            if (gradientSums != null) {
                gradientSums.close();
            }
        }
    }

    /**
     * A step's figures, read.
     *
     * @param loss the batch's mean loss before the update
     * @param correct how many examples the logits classified right
     * @param examples the batch's size
     * @param nonFiniteGradient the first parameter whose gradient held a NaN or an infinity while the loss was
     *     finite, or {@code null}
     */
    public record Outcome(double loss, int correct, int examples, String nonFiniteGradient) {

        /**
         * Returns whether the loss and every gradient were finite.
         *
         * @return true when the step was good
         */
        public boolean finite() {
            return Double.isFinite(loss) && nonFiniteGradient == null;
        }
    }

    private final Engine engine;
    private final NDManager manager;
    private final Block block;
    private final UpdateRule rule;
    private final OptimizerState state;
    private final int classes;
    private final Function<NDList, NDArray> gradientCheck;
    private final UnaryOperator<NDArray> inputLayout;
    private final List<Pair<String, Parameter>> trainable = new ArrayList<>();
    private final KernelFault fault = KernelFault.installed();
    private ProbeTrace.Recorder recorder;
    private BiConsumer<String, double[]> gradientTap;
    private boolean recordedFinite = true;

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
        this(engine, manager, block, rule, state, classes, EngineSession::finiteChecks, UnaryOperator.identity());
    }

    /**
     * Creates the step for an initialised block, with the engine's check of the gradients.
     *
     * @param engine the engine the block lives on
     * @param manager where the step's arrays are made
     * @param block the model, initialised
     * @param rule the update rule
     * @param state the rule's state
     * @param classes the number of classes (logits per example)
     * @param gradientCheck the engine session's {@link EngineSession#gradientCheck}
     * @param inputLayout the engine session's {@link EngineSession#inKernelLayout}
     */
    public TrainingStep(
            Engine engine,
            NDManager manager,
            Block block,
            UpdateRule rule,
            OptimizerState state,
            int classes,
            Function<NDList, NDArray> gradientCheck,
            UnaryOperator<NDArray> inputLayout) {
        this.gradientCheck = gradientCheck;
        this.inputLayout = inputLayout;
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
     * Trains on one batch and reads what it computed at once: {@link #start} then {@link #finish}.
     *
     * @param batch the batch
     * @param rate the learning rate
     * @return the loss and the number classified right, both before the update; every gradient finite
     * @throws NonFiniteGradientException when a gradient held a NaN or an infinity (the weights were
     *     updated with it: stop training)
     */
    public Outcome run(Batch batch, double rate) {
        Outcome o;
        try (Pending p = start(batch, rate)) {
            o = finish(List.of(p), classes, trainablePaths()).get(0);
        }
        if (o.nonFiniteGradient() != null) {
            throw new NonFiniteGradientException(o.nonFiniteGradient(), o.loss());
        }
        return o;
    }

    /**
     * Trains on one batch and keeps its figures on the engine.
     *
     * @param batch the batch
     * @param rate the learning rate
     * @return the step's figures, to {@link #finish} and close
     */
    public Pending start(Batch batch, double rate) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = modelInput(manager, batch, block, inputLayout);
            NDArray logits;
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                logits = block.forward(new ParameterStore(manager, false), new NDList(x), true)
                        .singletonOrThrow();
                loss = crossEntropy(manager, logits, batch.labels(), classes);
                collector.backward(loss);
            }
            List<UpdateRule.Tensor> tensors = new ArrayList<>(trainable.size());
            NDList gradients = new NDList(trainable.size());
            for (Pair<String, Parameter> p : trainable) {
                NDArray weight = p.getValue().getArray();
                NDArray gradient = weight.getGradient();
                tensors.add(new UpdateRule.Tensor(p.getKey(), weight, gradient));
                gradients.add(gradient);
            }
            fault.afterBackward(gradients);
            if (recorder != null) {
                for (UpdateRule.Tensor t : tensors) {
                    recorder.gradient(t.path(), digest(t.gradient()));
                }
                recordedFinite = allFinite(gradients);
            }
            if (gradientTap != null) {
                for (UpdateRule.Tensor t : tensors) {
                    gradientTap.accept(t.path(), doubles(t.gradient()));
                }
            }
            // Before the update, which may use the gradients as scratch space.
            NDArray gradientSums = gradients.isEmpty() ? null : gradientCheck.apply(gradients);
            rule.step(tensors, rate, state);
            for (UpdateRule.Tensor t : tensors) {
                // PyTorch accumulates gradients across backward passes; MXNet overwrites. Zero them, so both
                // engines go on alike.
                t.gradient().subi(t.gradient());
            }
            for (NDArray kept : gradientSums == null ? List.of(loss, logits) : List.of(loss, logits, gradientSums)) {
                NDScope.unregister(kept);
            }
            return new Pending(loss, logits, gradientSums, batch.labels());
        }
    }

    /**
     * Records the next step's gradients (before the update) into a trace; the caller ends the step with
     * its loss and weights. Reading them waits for the engine, so only the first few steps of a run are
     * traced.
     *
     * @param into the trace, or {@code null} to stop recording
     */
    public void recordGradients(ProbeTrace.Recorder into) {
        this.recorder = into;
    }

    /**
     * Hands the next steps' gradients (before the update, as the update sees them) to a tap, whole, as
     * doubles: how the probe measures float32 gradients against float64 ones. Reading them waits for the
     * engine.
     *
     * @param tap receives each trainable parameter's path and gradient, in the block's order; {@code null}
     *     to stop
     */
    public void tapGradients(BiConsumer<String, double[]> tap) {
        this.gradientTap = tap;
    }

    /**
     * Returns whether every gradient of the last recorded step was finite.
     *
     * @return true when finite
     */
    public boolean recordedFinite() {
        return recordedFinite;
    }

    private static boolean allFinite(NDList gradients) {
        for (NDArray g : gradients) {
            for (float v : TensorFile.floats(g)) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Digests every weight of the block, in its order: what a traced step ends with.
     *
     * @return the digest
     */
    public String weightsDigest() {
        List<String> digests = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            digests.add(digest(p.getValue().getArray()));
        }
        return ProbeTrace.combine(digests);
    }

    private static String digest(NDArray a) {
        return a.getDataType() == DataType.FLOAT64
                ? ProbeTrace.digest(a.toDoubleArray())
                : ProbeTrace.digest(TensorFile.floats(a));
    }

    /**
     * Returns the paths of the trainable parameters, in the order of a {@link Pending}'s gradient sums.
     *
     * @return the paths
     */
    public List<String> trainablePaths() {
        return trainable.stream().map(Pair::getKey).toList();
    }

    /**
     * Reads the figures of some steps, in three transfers whatever their number, and closes nothing.
     * A gradient is not finite when its number from {@link EngineSession#gradientCheck} is not.
     *
     * @param steps the steps, in order
     * @param classes the number of classes
     * @param paths the trainable parameters' paths
     * @return each step's figures, in order
     */
    public static List<Outcome> finish(List<Pending> steps, int classes, List<String> paths) {
        if (steps.isEmpty()) {
            return List.of();
        }
        NDList losses = new NDList(steps.size());
        NDList logits = new NDList(steps.size());
        NDList sums = new NDList(steps.size());
        for (Pending p : steps) {
            losses.add(p.loss());
            logits.add(p.logits());
            if (p.gradientSums() != null) {
                sums.add(p.gradientSums());
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray stacked = NDArrays.stack(losses);
            // A float64 loss (the check's exact lane) is read whole: floats would drop its digits.
            double[] loss = stacked.getDataType() == DataType.FLOAT64
                    ? stacked.toDoubleArray()
                    : toDoubles(TensorFile.floats(stacked));
            float[] allLogits = TensorFile.floats(logits.size() == 1 ? logits.get(0) : NDArrays.concat(logits));
            float[] allSums = sums.isEmpty() ? new float[0] : TensorFile.floats(NDArrays.stack(sums));
            List<Outcome> outcomes = new ArrayList<>(steps.size());
            int row = 0;
            for (int i = 0; i < steps.size(); i++) {
                int[] labels = steps.get(i).labels();
                float[] own = Arrays.copyOfRange(allLogits, row * classes, (row + labels.length) * classes);
                row += labels.length;
                double l = loss[i];
                // A non-finite loss is reported as such; its gradients are not finite either.
                String bad = null;
                for (int k = 0; Double.isFinite(l) && allSums.length > 0 && k < paths.size() && bad == null; k++) {
                    if (!Float.isFinite(allSums[i * paths.size() + k])) {
                        bad = paths.get(k);
                    }
                }
                outcomes.add(new Outcome(l, countCorrect(own, labels, classes), labels.length, bad));
            }
            return outcomes;
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
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
     * Makes the array a model reads for a batch, the one way training and evaluation both do: from the batch's
     * float32 values, in the precision of the block's parameters (float32 for every run, float64 where the
     * cross-engine check measures each engine's rounding against its own exact step), in the memory layout
     * the engine's kernels read ({@link EngineSession#inKernelLayout}).
     *
     * @param manager where the array is made
     * @param batch the batch
     * @param block the model, initialised
     * @param layout the engine session's {@link EngineSession#inKernelLayout}
     * @return the model's input
     */
    public static NDArray modelInput(NDManager manager, Batch batch, Block block, UnaryOperator<NDArray> layout) {
        NDArray x = manager.create(batch.features(), batch.shape());
        DataType type = block.getParameters().get(0).getValue().getArray().getDataType();
        return layout.apply(type == x.getDataType() ? x : x.toType(type, false));
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

    private static double[] doubles(NDArray a) {
        return a.getDataType() == DataType.FLOAT64 ? a.toDoubleArray() : toDoubles(a.toFloatArray());
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
