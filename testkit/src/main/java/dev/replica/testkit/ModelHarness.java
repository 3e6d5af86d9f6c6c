package dev.replica.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import dev.replica.api.params.Params;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.TensorFile;
import dev.replica.core.training.TrainingStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Small, engine-agnostic building blocks for testing model plugins: open an engine by name, build and
 * initialise a model, snapshot and copy weights by parameter path, run a forward pass or one plain SGD
 * step that owns its update. Every method is deterministic; none keeps state between calls.
 *
 * <p>Arrays that a method creates live in a sub-manager of the manager passed in and are freed before
 * it returns; the block's parameters live in the manager that initialised it.
 */
public final class ModelHarness {

    /** The engines every contract test runs on, by Replica name. */
    public static final List<String> ENGINES = List.of("pytorch", "mxnet");

    /** CIFAR-10's number of classes. */
    public static final int CIFAR_CLASSES = 10;

    /** One CIFAR image: three channels of 32 x 32. */
    public static final Shape CIFAR_EXAMPLE = new Shape(3, 32, 32);

    /** {@code w -= lr * g}, with no state. */
    private static final UpdateRule PLAIN_SGD = new UpdateRule() {
        @Override
        public double baseRate() {
            return 0.1;
        }

        @Override
        public void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state) {
            try (NDArray delta = gradient.mul((float) rate)) {
                weight.subi(delta);
            }
        }
    };

    private ModelHarness() {}

    /**
     * Opens an engine by its Replica name through {@link ServiceLoader}, with its schema's defaults
     * (for the DJL engines: two threads on the CPU). Never picks DJL's default engine.
     *
     * @param name the engine plugin's name, e.g. {@code pytorch}
     * @return the open session; the caller closes it
     * @throws IllegalArgumentException when no engine plugin has that name, listing those found
     */
    public static EngineSession openEngine(String name) {
        List<String> found = new ArrayList<>();
        for (EnginePlugin plugin : ServiceLoader.load(EnginePlugin.class)) {
            if (plugin.name().equals(name)) {
                // Relaxed: no contract test needs bit-identity across processes, and a machine where it
                // fails should still run a plugin's contract (the engine still takes the probe's remedy).
                Map<String, Object> raw = new LinkedHashMap<>();
                if (plugin.schema().spec("determinism").isPresent()) {
                    raw.put("determinism", "relaxed");
                }
                return plugin.open(plugin.schema().validate(raw).orElseThrow(), EngineContext.from(System.getenv()));
            }
            found.add(plugin.name());
        }
        throw new IllegalArgumentException("no engine plugin named '" + name + "' on the class path; found " + found);
    }

    /**
     * Validates raw parameters against a plugin's schema.
     *
     * @param plugin the plugin
     * @param raw the raw values; missing keys take their defaults
     * @return the typed parameters
     * @throws IllegalArgumentException listing every problem when the values are not valid
     */
    public static Params params(ModelPlugin plugin, Map<String, ?> raw) {
        return plugin.schema().validate(raw).orElseThrow();
    }

    /**
     * Returns the context a run with this seed gives a model with this label on CIFAR-10 (10 classes),
     * at training step 0.
     *
     * @param label the model's label
     * @param seed the run seed
     * @param exampleShape the shape of one example
     * @return the context
     */
    public static ModelContext context(String label, long seed, Shape exampleShape) {
        return ModelContext.of(label, seed, exampleShape, CIFAR_CLASSES);
    }

    /**
     * Returns the context a run with this seed gives a model with this label on CIFAR-10 (10 classes),
     * with the training step read from {@code step}.
     *
     * @param label the model's label
     * @param seed the run seed
     * @param exampleShape the shape of one example
     * @param step the global training step, read by dropout layers at every forward pass
     * @return the context
     */
    public static ModelContext context(String label, long seed, Shape exampleShape, LongSupplier step) {
        return ModelContext.of(label, seed, exampleShape, CIFAR_CLASSES, step);
    }

    /**
     * Returns the context a run with this seed gives a model with this label, with streams named
     * exactly as in {@link ModelContext#of}, for a dataset of {@code classes} classes.
     *
     * @param label the model's label
     * @param seed the run seed
     * @param exampleShape the shape of one example
     * @param classes the dataset's number of classes
     * @param step the global training step, read by dropout layers at every forward pass
     * @return the context
     */
    public static ModelContext context(String label, long seed, Shape exampleShape, int classes, LongSupplier step) {
        return ModelContext.of(label, seed, exampleShape, classes, step);
    }

    /**
     * Builds a model and initialises it for batches of {@code batchSize} examples of the context's
     * example shape, with float32 parameters in {@code manager}.
     *
     * @param plugin the plugin
     * @param raw the raw parameters; missing keys take their defaults
     * @param context the model's context
     * @param manager the manager that will own the parameters
     * @param batchSize the batch size to initialise for
     * @return the initialised block
     */
    public static Block buildAndInitialize(
            ModelPlugin plugin, Map<String, ?> raw, ModelContext context, NDManager manager, int batchSize) {
        Block block = plugin.create(params(plugin, raw), context);
        block.initialize(manager, DataType.FLOAT32, batchShape(batchSize, context.exampleShape()));
        return block;
    }

    /**
     * Returns the shape of a batch: {@code (n, example...)}.
     *
     * @param n the batch size
     * @param exampleShape the shape of one example
     * @return the batch shape
     */
    public static Shape batchShape(int n, Shape exampleShape) {
        return new Shape(n).addAll(exampleShape);
    }

    /**
     * Returns every parameter of an initialised block (weights and BatchNorm statistics) as Java
     * arrays, sorted by path.
     *
     * @param block an initialised block
     * @return the values by parameter path
     */
    public static SortedMap<String, float[]> snapshot(Block block) {
        SortedMap<String, float[]> values = new TreeMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    /**
     * Copies values into an initialised block's existing parameter arrays, by path. The block may live
     * on another engine than the one the values came from.
     *
     * @param block an initialised block
     * @param values the values by path: exactly the block's parameters, with the same sizes
     * @throws IllegalArgumentException when the paths or sizes differ
     */
    public static void load(Block block, Map<String, float[]> values) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            shapes.put(p.getKey(), p.getValue().getArray().getShape());
        }
        Map<String, TensorFile.Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            Shape shape = shapes.getOrDefault(e.getKey(), new Shape(e.getValue().length));
            if (e.getValue().length != shape.size()) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + shape
                        + ", the values have " + e.getValue().length + " elements");
            }
            entries.put(e.getKey(), new TensorFile.Entry(shape, e.getValue()));
        }
        // The copy op that resuming a run uses, so MXNet's MKLDNN-layout weights take the values too.
        ModelState.copyInto(block, entries, "the values");
    }

    /**
     * Copies every parameter of one initialised block into another of the same architecture, e.g. from
     * a PyTorch model to an MXNet one.
     *
     * @param from the source block
     * @param to the target block
     */
    public static void copyWeights(Block from, Block to) {
        load(to, snapshot(from));
    }

    /**
     * Makes a fixed batch of standard normal features and labels {@code i mod classes}, drawn from the
     * stream {@code batch} of {@code seed}.
     *
     * @param seed the seed
     * @param n the number of examples
     * @param exampleShape the shape of one example
     * @param classes the number of classes
     * @return the batch
     */
    public static Batch fixedBatch(long seed, int n, Shape exampleShape, int classes) {
        Shape shape = batchShape(n, exampleShape);
        float[] features = new float[Math.toIntExact(shape.size())];
        RandomSource random = SeedStream.root(seed).child("batch").random();
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        return new Batch(features, shape, labels);
    }

    /**
     * Runs one forward pass and returns the outputs in row-major order. In training mode the pass runs
     * inside a gradient collector, as MXNet requires for BatchNorm's batch statistics; BatchNorm then
     * also updates its running statistics, as in a training step.
     *
     * @param block an initialised block
     * @param manager the manager the block's parameters live in (or one on the same engine)
     * @param batch the inputs
     * @param training whether to run in training mode
     * @return the outputs
     */
    public static float[] forward(Block block, NDManager manager, Batch batch, boolean training) {
        try (NDManager step = manager.newSubManager()) {
            NDList input = new NDList(step.create(batch.features(), batch.shape()));
            ParameterStore store = new ParameterStore(step, false);
            if (!training) {
                return block.forward(store, input, false).singletonOrThrow().toFloatArray();
            }
            // Opened for its side effect only: it switches MXNet's autograd into training mode.
            GradientCollector collector = step.getEngine().newGradientCollector();
            try {
                return block.forward(store, input, true).singletonOrThrow().toFloatArray();
            } finally {
                collector.close();
            }
        }
    }

    /**
     * Returns the shape of the block's output for a batch, from a forward pass in evaluation mode.
     *
     * @param block an initialised block
     * @param manager the manager the block's parameters live in
     * @param batch the inputs
     * @return the output shape
     */
    public static Shape outputShape(Block block, NDManager manager, Batch batch) {
        try (NDManager step = manager.newSubManager()) {
            NDList input = new NDList(step.create(batch.features(), batch.shape()));
            return block.forward(new ParameterStore(step, false), input, false)
                    .singletonOrThrow()
                    .getShape();
        }
    }

    /**
     * Runs one training step with a plain SGD update {@code w -= lr * g}: Replica's own training step
     * (the one every run uses: softmax cross-entropy, gradients zeroed after the update), with the plain
     * rule in place of the experiment's.
     *
     * @param block an initialised block whose output is logits of shape {@code (n, classes)}
     * @param manager the manager the block's parameters live in
     * @param batch the inputs and labels
     * @param classes the number of classes
     * @param learningRate the learning rate
     * @return the loss before the update
     */
    public static float trainStep(Block block, NDManager manager, Batch batch, int classes, float learningRate) {
        try (OptimizerState none = new OptimizerState(manager)) {
            TrainingStep step = new TrainingStep(manager.getEngine(), manager, block, PLAIN_SGD, none, classes);
            return (float) step.run(batch, learningRate).loss();
        }
    }

    /**
     * Returns {@code max |a - b| / max |a|}, the relative difference of two outputs.
     *
     * @param reference the reference values, not all zero
     * @param other values of the same length
     * @return the relative difference
     */
    public static double relativeDifference(float[] reference, float[] other) {
        if (reference.length != other.length) {
            throw new IllegalArgumentException("lengths differ: " + reference.length + " and " + other.length);
        }
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < reference.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) reference[i] - other[i]));
            maxAbs = Math.max(maxAbs, Math.abs((double) reference[i]));
        }
        if (maxAbs == 0) {
            throw new IllegalArgumentException("the reference values are all zero");
        }
        return maxDiff / maxAbs;
    }

    /**
     * Returns the paths of the parameters whose values are not bit-identical in two snapshots, or
     * which only one of them has.
     *
     * @param a one snapshot
     * @param b another
     * @return the differing paths, sorted
     */
    public static List<String> differingParameters(Map<String, float[]> a, Map<String, float[]> b) {
        SortedMap<String, Boolean> all = new TreeMap<>();
        a.keySet().forEach(k -> all.put(k, true));
        b.keySet().forEach(k -> all.put(k, true));
        List<String> differing = new ArrayList<>();
        for (String key : all.keySet()) {
            if (!a.containsKey(key) || !b.containsKey(key) || !Arrays.equals(a.get(key), b.get(key))) {
                differing.add(key);
            }
        }
        return differing;
    }

    /**
     * Lists the leaf blocks (those without children) that have parameters, by the path that prefixes
     * their parameters' paths, in block order.
     *
     * @param block a block
     * @return the leaves by path, e.g. {@code 01Conv2d} or {@code 04SequentialBlock_01BasicBlock_02bn1}
     */
    public static Map<String, Block> leaves(Block block) {
        Map<String, Block> leaves = new LinkedHashMap<>();
        collectLeaves("", block, leaves);
        return leaves;
    }

    private static void collectLeaves(String path, Block block, Map<String, Block> leaves) {
        if (block.getChildren().isEmpty()) {
            if (!block.getDirectParameters().isEmpty()) {
                leaves.put(path, block);
            }
            return;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collectLeaves(path.isEmpty() ? child.getKey() : path + "_" + child.getKey(), child.getValue(), leaves);
        }
    }

    /**
     * Returns a model's PyTorch {@code state_dict} as lines {@code name shape}, shape as {@code 64x3x3x3}:
     * comparable with what {@code tools/pytorch/state_dict_names.py} prints for the PyTorch model.
     *
     * @param plugin the plugin, which must declare PyTorch names
     * @param raw the raw parameters
     * @param manager the manager that will own the parameters
     * @return one line per parameter, in {@code state_dict} order
     */
    public static List<String> pytorchStateDict(ModelPlugin plugin, Map<String, ?> raw, NDManager manager) {
        Params params = params(plugin, raw);
        Block block = buildAndInitialize(plugin, raw, context("m", 0, CIFAR_EXAMPLE), manager, 1);
        Map<String, String> names = plugin.pytorchNames(params, block).orElseThrow();
        Map<String, Parameter> byPath = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            byPath.put(p.getKey(), p.getValue());
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : names.entrySet()) {
            long[] dims = byPath.get(e.getKey()).getArray().getShape().getShape();
            lines.add(e.getValue() + " "
                    + Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining("x")));
        }
        return lines;
    }
}
