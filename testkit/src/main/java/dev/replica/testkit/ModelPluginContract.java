package dev.replica.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
import dev.replica.api.nn.SeededInitializer;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every model plugin meets, on both engines: a stable name, a described schema, a model
 * that builds and gives one output per class, initial weights drawn only from the run's seed streams
 * (bit-identical on PyTorch and MXNet, changed by the run seed, untouched by the engine's seed), a
 * training step that lowers the loss, and logits that agree across engines.
 *
 * <p>A plugin author extends this class in a test, returning the plugin and parameters for a model
 * small enough to train in milliseconds:
 *
 * <pre>{@code
 * class ResNetContractTest extends ModelPluginContract {
 *     protected ModelPlugin plugin() { return new ResNetPlugin(); }
 *     protected Map<String, Object> tinyParams() { return Map.of("width", 4); }
 * }
 * }</pre>
 *
 * <p>The model must take batches of {@link #exampleShape()} and return logits of shape
 * {@code (n, classes)}. Both engine plugins ({@code pytorch} and {@code mxnet}) must be on the test class
 * path; this module depends on both.
 */
public abstract class ModelPluginContract {

    /** The relative tolerance within which the two engines' logits must agree. */
    protected static final double CROSS_ENGINE_TOLERANCE = 1e-4;

    private static final String LABEL = "contract";
    private static final long SEED = 20240607L;
    private static final long OTHER_SEED = 7L;
    private static final int TRAINING_STEPS = 5;
    /**
     * How many times the one-ulp noise floor the engines' difference may reach: the engines round
     * differently in every operation, the moved batch only at the input, so their gap may be some
     * multiple of the floor; a real difference (another update rule, a missed gradient) is orders of
     * magnitude above it.
     */
    protected static final int NOISE_FLOOR_FACTOR = 100;
    /**
     * Past 10% relative the two losses are not the same training at all, however large the floor: the
     * band never exceeds it, so a model that amplifies rounding that much fails instead of passing blind.
     */
    private static final double MAX_BAND = 0.1;
    /** One float32 ulp relative (2^-23): where the measured floor is below it, it counts as this. */
    private static final double MIN_NOISE_FLOOR = 0x1p-23;

    /**
     * Returns a new instance of the plugin under test.
     *
     * @return the plugin
     */
    protected abstract ModelPlugin plugin();

    /**
     * Returns raw parameters for a tiny model of the plugin (missing keys take their defaults).
     *
     * @return the parameters
     */
    protected abstract Map<String, Object> tinyParams();

    /**
     * Returns the number of classes the tiny model predicts. Defaults to the {@code classes} parameter.
     *
     * @return the number of classes
     */
    protected int classes() {
        Params params = ModelHarness.params(plugin(), tinyParams());
        if (plugin().schema().spec("classes").isEmpty()) {
            throw new IllegalStateException(
                    "plugin '" + plugin().name() + "' has no 'classes' parameter: override classes()");
        }
        return params.getInt("classes");
    }

    /**
     * Returns the shape of one example. Defaults to a CIFAR image, {@code (3, 32, 32)}.
     *
     * @return the shape
     */
    protected Shape exampleShape() {
        return ModelHarness.CIFAR_EXAMPLE;
    }

    /**
     * Returns the batch size of the tests; more than one, so that BatchNorm sees a batch variance.
     *
     * @return the batch size
     */
    protected int batchSize() {
        return 4;
    }

    /**
     * Returns the learning rate of the training test.
     *
     * @return the learning rate
     */
    protected float learningRate() {
        return 0.05f;
    }

    /**
     * Chooses the parameter whose first element the sensitivity test changes. Defaults to the last
     * trainable parameter in block order (for a classifier, usually the final bias, which moves one
     * logit by exactly the change).
     *
     * @param block the initialised block
     * @return the parameter's path
     */
    protected String perturbedParameter(Block block) {
        String last = null;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                last = p.getKey();
            }
        }
        if (last == null) {
            throw new IllegalStateException("the model has no trainable parameter");
        }
        return last;
    }

    /** The name matches {@code [a-z][a-z0-9-]*} and does not change between instances. */
    @Test
    protected void nameIsLowerCaseAndStable() {
        String name = plugin().name();
        assertThat(name).matches("[a-z][a-z0-9-]*");
        assertThat(plugin().name()).isEqualTo(name);
    }

    /** The schema's defaults and the tiny parameters validate, and every parameter has a description. */
    @Test
    protected void schemaDefaultsValidateAndEveryParameterIsDescribed() {
        assertThat(plugin().schema().validate(Map.of()).problems()).isEmpty();
        assertThat(plugin().schema().validate(tinyParams()).problems()).isEmpty();
        for (ParameterSpec spec : plugin().schema().specs()) {
            assertThat(spec.description())
                    .as("description of parameter '%s'", spec.key())
                    .isNotBlank();
        }
    }

    /**
     * A plugin that declares PyTorch names names every parameter exactly once, in the block's order, with
     * names that look like PyTorch's ({@code layer1.0.conv1.weight}).
     */
    @Test
    protected void pytorchNamesWhenDeclaredCoverEveryParameterOnce() {
        try (EngineSession session = ModelHarness.openEngine("pytorch");
                NDManager manager = session.newManager()) {
            Block block = build(manager, SEED);
            Optional<Map<String, String>> names =
                    plugin().pytorchNames(ModelHarness.params(plugin(), tinyParams()), block);
            if (names.isEmpty()) {
                return;
            }
            List<String> paths = new ArrayList<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                paths.add(p.getKey());
            }
            assertThat(names.get().keySet()).containsExactlyElementsOf(paths);
            assertThat(names.get().values())
                    .doesNotHaveDuplicates()
                    .allMatch(n -> n.matches("[a-z_][a-z0-9_]*(\\.[a-z0-9_]+)+"));
        }
    }

    /** No parameter is left to an engine-random initializer, and no two parameters share a seed stream. */
    @Test
    protected void everyParameterHasASeededInitializerWithAStreamOfItsOwn() {
        Block block = plugin().create(ModelHarness.params(plugin(), tinyParams()), context(SEED));
        assertThat(Blocks.unseededParameters(block))
                .as("parameters left to an engine-random initializer")
                .isEmpty();
        Map<String, String> owners = new HashMap<>();
        List<String> shared = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Initializer init = p.getValue().getInitializer();
            if (init instanceof SeededInitializer) {
                String stream = ((SeededInitializer) init).stream().path();
                String previous = owners.put(stream, p.getKey());
                if (previous != null) {
                    shared.add(stream + " is used by " + previous + " and " + p.getKey());
                }
            }
        }
        assertThat(shared).as("seed streams shared by several parameters").isEmpty();
    }

    /**
     * The tiny model initialises for the example shape and gives logits of shape {@code (n, classes)}.
     *
     * @param engine the engine's name
     */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    protected void tinyModelGivesOneOutputPerClass(String engine) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            Block block = build(manager, SEED);
            Batch batch = batch();
            assertThat(ModelHarness.outputShape(block, manager, batch)).isEqualTo(new Shape(batchSize(), classes()));
            assertThat(Blocks.unseededParameters(block)).isEmpty();
        }
    }

    /** One run seed gives bit-identical initial values of every parameter on PyTorch and MXNet. */
    @Test
    protected void oneSeedGivesBitIdenticalInitialWeightsOnBothEngines() {
        SortedMap<String, float[]> pytorch = initialWeights("pytorch", SEED, 1);
        SortedMap<String, float[]> mxnet = initialWeights("mxnet", SEED, 1);
        assertThat(pytorch).isNotEmpty();
        assertThat(ModelHarness.differingParameters(pytorch, mxnet))
                .as("parameters whose initial values differ between pytorch and mxnet")
                .isEmpty();
    }

    /**
     * Another run seed changes every parameter that has a seeded initializer.
     *
     * @param engine the engine's name
     */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    protected void aDifferentRunSeedChangesEverySeededParameter(String engine) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            Block one = build(manager, SEED);
            Block other = build(manager, OTHER_SEED);
            SortedMap<String, float[]> a = ModelHarness.snapshot(one);
            SortedMap<String, float[]> b = ModelHarness.snapshot(other);
            List<String> seeded = new ArrayList<>();
            for (Pair<String, Parameter> p : one.getParameters()) {
                if (p.getValue().getInitializer() instanceof SeededInitializer) {
                    seeded.add(p.getKey());
                }
            }
            assertThat(seeded).as("parameters with a seeded initializer").isNotEmpty();
            assertThat(ModelHarness.differingParameters(a, b))
                    .as("parameters that a different run seed changes")
                    .containsAll(seeded);
        }
    }

    /**
     * The engine's own random seed leaves every initial value unchanged.
     *
     * @param engine the engine's name
     */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    protected void theEngineSeedDoesNotChangeTheInitialWeights(String engine) {
        SortedMap<String, float[]> a = initialWeights(engine, SEED, 1);
        SortedMap<String, float[]> b = initialWeights(engine, SEED, 12345);
        assertThat(ModelHarness.differingParameters(a, b))
                .as("parameters whose initial values follow the engine's own seed")
                .isEmpty();
    }

    /**
     * A few plain SGD steps on a fixed batch run and lower the loss.
     *
     * @param engine the engine's name
     */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    protected void aFewTrainingStepsLowerTheLoss(String engine) {
        float[] losses = trainingLosses(engine, false);
        String all = Arrays.toString(losses);
        for (float loss : losses) {
            assertThat(loss).as("losses on %s: %s", engine, all).isFinite();
        }
        assertThat(losses[losses.length - 1])
                .as("loss after %d steps on %s (losses %s)", TRAINING_STEPS - 1, engine, all)
                .isLessThan(losses[0]);
    }

    /**
     * From the same weights and batch, the engines' losses agree at the first step to float32 rounding,
     * and over the next steps they drift apart no faster than rounding alone makes one engine drift
     * from itself. That yardstick, the noise floor, is measured here and now: the same engine trained
     * from initial weights moved by one ulp each (moving the input instead says nothing where BatchNorm
     * normalises it away). Training on a handful of examples can amplify rounding a lot (a
     * BatchNorm channel with almost no variance turns it into a different output), so a fixed band
     * would be right on one machine and wrong on the next; a band relative to the floor is not.
     */
    @Test
    protected void bothEnginesFollowTheSameLossesOverTheFirstSteps() {
        float[] pytorch = trainingLosses("pytorch", false);
        float[] mxnet = trainingLosses("mxnet", false);
        float[] pytorchMoved = trainingLosses("pytorch", true);
        float[] mxnetMoved = trainingLosses("mxnet", true);
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < pytorch.length; i++) {
            double floor = Math.max(relative(pytorch[i], pytorchMoved[i]), relative(mxnet[i], mxnetMoved[i]));
            report.append(String.format(Locale.ROOT, " %.2e (floor %.2e)", relative(pytorch[i], mxnet[i]), floor));
        }
        System.out.printf(
                "[testkit] %s: relative loss difference pytorch vs mxnet per step:%s%n", plugin().name(), report);
        // Before any update only the forward pass's arithmetic differs.
        assertThat(relative(pytorch[0], mxnet[0])).as("step 0" + report).isLessThan(CROSS_ENGINE_TOLERANCE);
        for (int i = 1; i < pytorch.length; i++) {
            double floor = Math.max(relative(pytorch[i], pytorchMoved[i]), relative(mxnet[i], mxnetMoved[i]));
            assertThat(relative(pytorch[i], mxnet[i]))
                    .as(
                            "step %d: the engines' difference against %dx the noise floor (%s)",
                            i, NOISE_FLOOR_FACTOR, report)
                    .isLessThanOrEqualTo(Math.min(NOISE_FLOOR_FACTOR * Math.max(floor, MIN_NOISE_FLOOR), MAX_BAND));
        }
    }

    /** With the same weights and input, the engines' train-mode logits agree to {@link #CROSS_ENGINE_TOLERANCE}. */
    @Test
    protected void bothEnginesGiveTheSameLogitsInTrainMode() {
        double difference = crossEngineLogitDifference(0f);
        System.out.printf(
                "[testkit] %s: train-mode logits, pytorch vs mxnet, max|diff|/max|logit| = %.3e%n",
                plugin().name(), difference);
        assertSameLogits(difference);
    }

    /** The logit comparison is sensitive: one weight changed by 1e-2 on one side makes it fail. */
    @Test
    protected void changingOneWeightByOneHundredthMakesTheEnginesDisagree() {
        double difference = crossEngineLogitDifference(1e-2f);
        System.out.printf(
                "[testkit] %s: train-mode logits after changing one weight by 1e-2 = %.3e%n",
                plugin().name(), difference);
        assertThatThrownBy(() -> assertSameLogits(difference)).isInstanceOf(AssertionError.class);
    }

    /**
     * Asserts that a relative logit difference is within {@link #CROSS_ENGINE_TOLERANCE}.
     *
     * @param difference {@code max |a - b| / max |a|}
     */
    protected static void assertSameLogits(double difference) {
        if (!(difference <= CROSS_ENGINE_TOLERANCE)) {
            fail(
                    "logits of the two engines differ by %.3e relative, more than %.0e",
                    difference, CROSS_ENGINE_TOLERANCE);
        }
    }

    /**
     * Builds the tiny model on both engines with the same weights (copied from PyTorch to MXNet, then
     * the first element of {@link #perturbedParameter} changed by {@code change} on the MXNet side),
     * and compares their logits for one batch in train mode.
     *
     * <p>Train mode: BatchNorm normalises with the batch's own statistics, so the one known difference
     * of the engines' BatchNorm (MXNet updates its running variance with the biased batch variance,
     * PyTorch with the unbiased one; docs/design.md, section 5) does not enter the outputs. Dropout masks come
     * from the run's streams at the same step, so they agree too.
     */
    private double crossEngineLogitDifference(float change) {
        try (EngineSession pt = ModelHarness.openEngine("pytorch");
                EngineSession mx = ModelHarness.openEngine("mxnet");
                NDManager ptManager = pt.newManager();
                NDManager mxManager = mx.newManager()) {
            Block ptBlock = build(ptManager, SEED);
            // Other initial weights, so that only the copy below makes them equal; the same dropout
            // streams, since masks derive from the run seed, not from the weights.
            ModelContext otherWeights = new ModelContext(
                    LABEL,
                    context(OTHER_SEED).initSeeds(),
                    context(SEED).dropoutSeeds(),
                    () -> 0L,
                    exampleShape(),
                    classes());
            Block mxBlock =
                    ModelHarness.buildAndInitialize(plugin(), tinyParams(), otherWeights, mxManager, batchSize());
            SortedMap<String, float[]> weights = ModelHarness.snapshot(ptBlock);
            if (change != 0f) {
                String path = perturbedParameter(mxBlock);
                weights.get(path)[0] += change;
            }
            ModelHarness.load(mxBlock, weights);
            Batch batch = batch();
            float[] ptLogits = ModelHarness.forward(ptBlock, ptManager, batch, true);
            float[] mxLogits = ModelHarness.forward(mxBlock, mxManager, batch, true);
            return ModelHarness.relativeDifference(ptLogits, mxLogits);
        }
    }

    private float[] trainingLosses(String engine, boolean weightsOneUlpUp) {
        AtomicLong step = new AtomicLong();
        ModelContext context = ModelHarness.context(LABEL, SEED, exampleShape(), classes(), step::get);
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            Block block = ModelHarness.buildAndInitialize(plugin(), tinyParams(), context, manager, batchSize());
            if (weightsOneUlpUp) {
                SortedMap<String, float[]> weights = ModelHarness.snapshot(block);
                weights.values().forEach(w -> {
                    for (int i = 0; i < w.length; i++) {
                        w[i] = Math.nextUp(w[i]);
                    }
                });
                ModelHarness.load(block, weights);
            }
            Batch batch = batch();
            float[] losses = new float[TRAINING_STEPS];
            for (int i = 0; i < TRAINING_STEPS; i++) {
                losses[i] = ModelHarness.trainStep(block, manager, batch, classes(), learningRate());
                step.incrementAndGet();
            }
            return losses;
        }
    }

    private SortedMap<String, float[]> initialWeights(String engine, long runSeed, int engineSeed) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            session.seed(engineSeed);
            return ModelHarness.snapshot(build(manager, runSeed));
        }
    }

    private Block build(NDManager manager, long runSeed) {
        return ModelHarness.buildAndInitialize(plugin(), tinyParams(), context(runSeed), manager, batchSize());
    }

    private ModelContext context(long runSeed) {
        return ModelHarness.context(LABEL, runSeed, exampleShape(), classes(), () -> 0L);
    }

    private Batch batch() {
        return ModelHarness.fixedBatch(SEED, batchSize(), exampleShape(), classes());
    }

    private static double relative(float a, float b) {
        return Math.abs((double) a - b) / Math.max(Math.abs((double) a), Double.MIN_NORMAL);
    }
}
