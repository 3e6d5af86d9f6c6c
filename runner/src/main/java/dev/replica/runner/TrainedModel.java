package dev.replica.runner;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.ExampleSet;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.core.exchange.PyTorchWeights;
import dev.replica.core.exchange.StoredTensor;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.ModelState;
import dev.replica.core.training.BuiltModel;
import dev.replica.core.training.Evaluation;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One trained model of a run folder, on the run's engine, with the run's data: for evaluation, prediction
 * and export. It evaluates exactly as the run did (the same model code, engine settings and batches), so
 * {@code replica eval} gives the run's summary table again to the last digit.
 */
public final class TrainedModel implements AutoCloseable {

    /** Which of a run's weights to take. */
    public enum Weights {
        /** The best-validation weights, which the summary table measures. */
        BEST,
        /** The weights after the last finished epoch (the checkpoint). */
        FINAL;

        /**
         * Returns the name used in files and options.
         *
         * @return {@code best} or {@code final}
         */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One class the model predicts for an image.
     *
     * @param label the class's label
     * @param name the class's name
     * @param probability the softmax probability
     */
    public record Prediction(int label, String name, double probability) {}

    private final Path runDir;
    private final String label;
    private final long seed;
    private final Weights weights;
    private final int epoch;
    private final PluginUse use;
    private final ModelPlugin plugin;
    private final EngineSession session;
    private final DataSplits data;
    private final BuiltModel model;

    private TrainedModel(
            Path runDir,
            String label,
            long seed,
            Weights weights,
            int epoch,
            PluginUse use,
            ModelPlugin plugin,
            EngineSession session,
            DataSplits data,
            BuiltModel model) {
        this.runDir = runDir;
        this.label = label;
        this.seed = seed;
        this.weights = weights;
        this.epoch = epoch;
        this.use = use;
        this.plugin = plugin;
        this.session = session;
        this.data = data;
        this.model = model;
    }

    /**
     * Opens a model of a run folder.
     *
     * @param registry every plugin
     * @param environment settings from outside the experiment file
     * @param experiment the run's experiment (its experiment.yaml, perhaps with the data root changed)
     * @param runDir the run folder
     * @param label the model's label
     * @param seed the seed, or {@code null} for the run's first
     * @param which best or final weights
     * @return the model; the caller closes it
     * @throws UserException when the run has no such model, seed or weights
     */
    public static TrainedModel open(
            PluginRegistry registry,
            Environment environment,
            Experiment experiment,
            Path runDir,
            String label,
            Long seed,
            Weights which) {
        PluginUse use = experiment.models().get(label);
        if (use == null) {
            throw new UserException(runDir + " has no model '" + label + "'; its models: "
                    + experiment.models().keySet());
        }
        long s = seed == null ? experiment.seeds().get(0) : seed;
        if (!experiment.seeds().contains(s)) {
            throw new UserException(runDir + " was not run with seed " + s + "; its seeds: " + experiment.seeds());
        }
        ModelFiles files =
                RunFolder.existing(runDir).model(label, experiment.seeds().size() > 1 ? s : null);
        Checkpoint checkpoint = new Checkpoint(files.checkpoint());
        Path source = which == Weights.BEST ? files.bestWeights() : files.checkpoint();
        if (which == Weights.BEST ? !Files.isRegularFile(source) : !checkpoint.exists()) {
            throw new UserException("model '" + label + "' of " + runDir + " has no " + which.label() + " weights ("
                    + source + "): it has not finished an epoch");
        }
        // Read, and refused when edited, before an engine opens.
        Checkpoint.Progress progress;
        try {
            progress = checkpoint.exists() ? checkpoint.progress() : null;
        } catch (IOException e) {
            throw new UserException("cannot read " + checkpoint.folder() + ": " + e.getMessage(), e);
        }
        RunAssembly assembly = new RunAssembly(registry, environment);
        ModelPlugin plugin = registry.model(use.plugin());
        EngineSession session = assembly.openEngine(experiment, runDir);
        BuiltModel model = null;
        try {
            DataSplits data = data(registry, assembly, experiment, runDir, s);
            TrainingSetup setup = assembly.setup(experiment, session, data, s);
            model = new BuiltModel(setup, label, plugin, use.params(), DataType.FLOAT32, null, new AtomicLong());
            int epoch;
            if (which == Weights.BEST) {
                ModelState.load(model.block(), source);
                epoch = progress != null ? progress.bestEpoch() : 0;
            } else {
                Checkpoint.Progress p = progress;
                if (p.partial() != null) {
                    throw new UserException(
                            "model '" + label + "' of " + runDir + " stopped in epoch " + (p.epoch() + 1)
                                    + ", after step " + p.partial().steps() + ": its last checkpoint is not an epoch's "
                                    + "final weights; resume the run, or use --weights best");
                }
                checkpoint.restoreWeights(model.block());
                epoch = p.epoch();
            }
            return new TrainedModel(runDir, label, s, which, epoch, use, plugin, session, data, model);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            session.close();
            if (e instanceof UserException u) {
                throw u;
            }
            throw new UserException(
                    "cannot load the " + which.label() + " weights of model '" + label + "' from " + source + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The run's data for a seed, opened when an example is first needed (export and predict need none);
     * opened now when the run did not record the data's classes, shape and size. The training size only
     * sizes the schedule, which these models never step.
     */
    private static DataSplits data(
            PluginRegistry registry, RunAssembly assembly, Experiment experiment, Path runDir, long seed) {
        RunManifest.DatasetFacts facts =
                RunContents.read(runDir).record().datasets().get(Long.toString(seed));
        if (facts == null || facts.classes() == null || facts.exampleShape() == null || facts.train() == null) {
            return assembly.openData(experiment, seed);
        }
        DatasetPlugin plugin = registry.dataset(experiment.dataset().plugin());
        long[] dims = Arrays.stream(
                        facts.exampleShape().replaceAll("[()\\s]", "").split(","))
                .mapToLong(Long::parseLong)
                .toArray();
        return new DataOnDemand(
                () -> assembly.openData(experiment, seed),
                facts.classes(),
                new Shape(dims),
                facts.train(),
                plugin.classNames(experiment.dataset().params()),
                plugin.imageExamples(experiment.dataset().params()));
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
     * Returns the seed the model was trained with.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the epoch whose weights these are.
     *
     * @return the epoch, from 1; 0 when the run does not say
     */
    public int epoch() {
        return epoch;
    }

    /**
     * Returns the opened data, whose splits, class names and image conversion the model uses.
     *
     * @return the splits
     */
    public DataSplits data() {
        return data;
    }

    /**
     * Returns the model, for its block and evaluation.
     *
     * @return the model
     */
    public BuiltModel model() {
        return model;
    }

    /**
     * Evaluates a split exactly as the run did.
     *
     * @param split {@code test}, {@code validation} or {@code train} (not augmented)
     * @param listener progress display
     * @param logits receives each batch's logits in split order, or {@code null}
     * @return loss, accuracy and the confusion matrix
     */
    public Evaluation evaluate(String split, ProgressListener listener, Consumer<float[]> logits) {
        return model.evaluate(split(split), split, listener, logits);
    }

    /**
     * Returns a split by name.
     *
     * @param name {@code test}, {@code validation} or {@code train}
     * @return the split
     * @throws UserException for another name
     */
    public ExampleSet split(String name) {
        return switch (name) {
            case "test" -> data.test();
            case "validation" -> data.validation();
            case "train" -> data.train();
            default ->
                throw new UserException(
                        "split '" + name + "' is not one of this dataset's; allowed: test, validation, train");
        };
    }

    /**
     * Classifies an image as the dataset would present it.
     *
     * @param image the decoded image
     * @param top how many classes to return, the most probable first
     * @return the classes and their probabilities
     */
    public List<Prediction> predict(BufferedImage image, int top) {
        float[] features = data.imageExample(image);
        Shape shape = new Shape(1).addAll(data.exampleShape());
        float[] logits = model.logits(new Batch(features, shape, new int[] {0}));
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(logits[c] - max);
            sum += p[c];
        }
        List<Prediction> all = new ArrayList<>();
        List<String> names = data.classNames();
        for (int c = 0; c < p.length; c++) {
            all.add(new Prediction(c, names.get(c), p[c] / sum));
        }
        all.sort(Comparator.comparingDouble(Prediction::probability).reversed().thenComparingInt(Prediction::label));
        return all.subList(0, Math.min(top, all.size()));
    }

    /**
     * Returns the weights under PyTorch's names, with metadata that says where they came from and what
     * architecture they fit ({@code replica.plugin}, {@code replica.params}, as JSON).
     *
     * @return the tensors and metadata
     * @throws UserException when the model's plugin declares no PyTorch names
     */
    public WeightsFile.Contents pytorchWeights() {
        Map<String, StoredTensor> tensors = PyTorchWeights.export(plugin, use.params(), model.block());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("replica.version", RunAssembly.replicaVersion());
        metadata.put(
                "replica.run", runDir.toAbsolutePath().normalize().getFileName().toString());
        metadata.put("replica.model", label);
        metadata.put("replica.seed", Long.toString(seed));
        metadata.put("replica.weights", weights.label());
        metadata.put("replica.epoch", Integer.toString(epoch));
        metadata.put("replica.plugin", plugin.name());
        metadata.put("replica.params", new Gson().toJson(use.params().asMap()));
        metadata.put("replica.classes", new Gson().toJson(data.classNames()));
        return new WeightsFile.Contents(tensors, metadata);
    }

    /** Frees the model and closes the engine. */
    @Override
    public void close() {
        model.close();
        session.close();
    }
}
