package dev.replica.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.replica.api.Batch;
import dev.replica.api.ExampleSet;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.api.nn.Blocks;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedNames;
import dev.replica.core.exchange.PyTorchWeights;
import dev.replica.core.state.TensorFile;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One model of a run, built from its plugin on the run's engine, checked (its classes, no parameter left to
 * the engine's random generator) and initialised from the run's seed streams, or from a weights file in
 * PyTorch's names: what training, evaluation and prediction all start from. {@link ModelTrainer} trains it;
 * a finished run's model is loaded as one of these alone, with no optimizer state and no batch thread.
 */
public final class BuiltModel implements AutoCloseable {

    private final String label;
    private final NDManager manager;
    private final Block block;
    private final int classes;
    private final int evalBatchSize;
    private final AtomicLong step;
    private final UnaryOperator<NDArray> inputLayout;

    /**
     * Builds, checks and initialises a model.
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its validated parameters
     * @param precision {@link DataType#FLOAT32} or {@link DataType#FLOAT64}
     * @param initialWeights a {@code .safetensors} or {@code .npz} file, or {@code null} for the seeded
     *     initialisation alone
     * @param step the global training step, which the model's dropout reads for its masks; the trainer
     *     moves it
     * @throws UserException when the classes differ from the data's, the plugin leaves a parameter to the
     *     engine's random generator, or the weights file does not fit the model
     */
    public BuiltModel(
            TrainingSetup setup,
            String label,
            ModelPlugin plugin,
            Params params,
            DataType precision,
            Path initialWeights,
            AtomicLong step) {
        this.label = label;
        this.step = step;
        this.classes = setup.data().classes();
        this.evalBatchSize = setup.training().evalBatchSize();
        if (plugin.schema().spec("classes").isPresent() && params.getInt("classes") != classes) {
            // Validation checks this where the dataset tells its classes up front; this is where all do.
            throw new UserException("model '" + label + "' (plugin '" + plugin.name() + "') has classes: "
                    + params.getInt("classes") + ", but the dataset has " + classes + " classes; set classes: "
                    + classes + " in the model's params");
        }
        this.manager = setup.session().newManager();
        this.inputLayout = setup.session()::inKernelLayout;
        try {
            // Seed the engine's own generator too, though nothing that decides a result draws from it.
            setup.session().seed(setup.seeds().child(SeedNames.engine(label)).seed());
            ModelContext context = setup.modelContext(label, step::get);
            this.block = plugin.create(params, context);
            List<String> unseeded = Blocks.unseededParameters(block);
            if (!unseeded.isEmpty()) {
                throw new UserException("model plugin '" + plugin.name() + "' ("
                        + plugin.getClass().getName()
                        + ") leaves parameters to the engine's random generator, which would make runs differ "
                        + "between engines: " + unseeded);
            }
            Blocks.initialize(
                    block, manager, precision, new Shape(1).addAll(setup.data().exampleShape()));
            if (initialWeights != null) {
                PyTorchWeights.load(initialWeights, plugin, params, block, label);
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Returns the model's label.
     *
     * @return the label
     */
    public String label() {
        return label;
    }

    /**
     * Returns the network.
     *
     * @return the initialised block
     */
    public Block block() {
        return block;
    }

    /**
     * Returns the number of classes it predicts.
     *
     * @return the classes
     */
    public int classes() {
        return classes;
    }

    /** The manager that holds the block's parameters: the trainer's state lives beside them. */
    NDManager manager() {
        return manager;
    }

    /** The global training step the model's dropout reads. */
    AtomicLong step() {
        return step;
    }

    /**
     * Evaluates in inference mode (BatchNorm uses its running statistics, dropout is off).
     *
     * @param split the split
     * @return loss and accuracy
     */
    public Evaluation evaluate(ExampleSet split) {
        return evaluate(split, "", ProgressListener.SILENT);
    }

    /**
     * Evaluates in inference mode, telling a listener after each batch.
     *
     * @param split the split
     * @param name the split's name for progress display, e.g. {@code test}
     * @param listener progress display
     * @return loss and accuracy
     */
    public Evaluation evaluate(ExampleSet split, String name, ProgressListener listener) {
        return evaluate(split, name, listener, null);
    }

    /**
     * Evaluates in inference mode, and hands each batch's logits to a consumer: {@code replica eval}
     * saves them, so that another framework can be compared example by example.
     *
     * @param split the split
     * @param name the split's name for progress display, e.g. {@code test}
     * @param listener progress display
     * @param logits receives each batch's logits, row-major {@code (batch, classes)}, in split order; may
     *     be {@code null}
     * @return loss, accuracy and the confusion matrix
     */
    public Evaluation evaluate(ExampleSet split, String name, ProgressListener listener, Consumer<float[]> logits) {
        int n = split.size();
        int batchSize = evalBatchSize;
        double lossSum = 0;
        long correct = 0;
        long[][] confusion = new long[classes][classes];
        for (int from = 0; from < n; from += batchSize) {
            int[] indices = new int[Math.min(batchSize, n - from)];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = from + i;
            }
            Batch batch = split.batch(indices, null);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray output = forward(batch);
                lossSum += TrainingStep.scalar(TrainingStep.crossEntropy(manager, output, batch.labels(), classes))
                        * (double) indices.length;
                float[] values = TensorFile.floats(output);
                int[] predicted = TrainingStep.predictions(values, classes);
                for (int i = 0; i < predicted.length; i++) {
                    confusion[batch.labels()[i]][predicted[i]]++;
                    if (predicted[i] == batch.labels()[i]) {
                        correct++;
                    }
                }
                if (logits != null) {
                    logits.accept(values);
                }
            }
            listener.evaluation(label, name, from + indices.length, n);
        }
        return new Evaluation(
                n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) correct / n, n, confusion);
    }

    /**
     * Returns the model's logits for a batch, in inference mode.
     *
     * @param batch the examples
     * @return row-major {@code (batch, classes)}
     */
    public float[] logits(Batch batch) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return TensorFile.floats(forward(batch));
        }
    }

    /** The logits in inference mode, in the model's precision; the caller's scope frees them. */
    private NDArray forward(Batch batch) {
        NDArray x = TrainingStep.modelInput(manager, batch, block, inputLayout);
        return block.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow();
    }

    /** Frees the model's arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
