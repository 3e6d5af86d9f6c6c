package dev.replica.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineContext;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.api.engine.ProbeWorkload;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.NonFiniteLossException;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One of the determinism probe's processes: trains the first steps of every model of an experiment, as
 * a run does (the same plugin, params, batches, update and training step), and prints their traces for
 * the parent to compare. It loads the engine with the instruction set it is given and proves nothing.
 */
public final class ProbeProcess {

    private ProbeProcess() {}

    /** Float32's unit in the last place at 1: how far each weight of the rounding-noise twin is moved. */
    private static final double ONE_ULP = 0x1p-23;

    /**
     * Measures the float32 kernels against float64 ones. From the same seeded weights and batch, two twins
     * train the first step: one in float64, whose loss and gradients the float32 step's must come close
     * to, and one in float32 from weights moved one ulp, whose distance from the float32 step is float32's
     * rounding noise on this network (plain-56 amplifies its rounding to 20% of a gradient, ResNet-20
     * to 0.1% at most). A deterministic kernel that is wrong passes the comparison of two processes, not
     * this: it is far from float64 while moving the weights one ulp moves it little.
     */
    private static ProbeTrace measureInexactness(
            ProbeTrace trace,
            Map<String, double[]> gradients,
            Supplier<TrainingSetup> setups,
            long seed,
            String label,
            ModelPlugin plugin,
            PluginUse use) {
        Map<String, double[]> exact = new LinkedHashMap<>();
        Map<String, double[]> moved = new LinkedHashMap<>();
        double exactLoss;
        double movedLoss;
        try (ModelTrainer twin =
                        new ModelTrainer(setups.get(), label, plugin, use.params(), DataType.FLOAT64, use.weights());
                ModelTrainer noise =
                        new ModelTrainer(setups.get(), label, plugin, use.params(), DataType.FLOAT32, use.weights())) {
            twin.tapGradients(0, exact::put);
            exactLoss = twin.trainSteps(0, 1).get(0);
            moveOneUlp(noise.block(), seed);
            noise.tapGradients(0, moved::put);
            movedLoss = noise.trainSteps(0, 1).get(0);
        } catch (NonFiniteLossException e) {
            return trace.withInexactness(Double.POSITIVE_INFINITY, "a twin's step that was not finite", 0);
        }
        return judge(trace, gradients, exactLoss, exact, movedLoss, moved);
    }

    /**
     * Judges a float32 first step against its float64 twin and its rounding-noise twin: the loss, then each
     * gradient, and keeps the difference that most exceeds what rounding explains ({@link ProbeTrace#excess}).
     *
     * @param trace the float32 step's trace
     * @param computed the float32 step's gradients
     * @param exactLoss the float64 twin's loss
     * @param exact the float64 twin's gradients
     * @param movedLoss the loss of the twin whose weights were moved one ulp
     * @param moved that twin's gradients
     * @return the trace with its worst difference
     */
    static ProbeTrace judge(
            ProbeTrace trace,
            Map<String, double[]> computed,
            double exactLoss,
            Map<String, double[]> exact,
            double movedLoss,
            Map<String, double[]> moved) {
        double loss = trace.loss(0);
        ProbeTrace worst = trace.withInexactness(
                relativeDistance(new double[] {loss}, new double[] {exactLoss}),
                "the loss of step 0",
                relativeDistance(new double[] {movedLoss}, new double[] {loss}));
        for (Map.Entry<String, double[]> g : exact.entrySet()) {
            double[] float32 = computed.get(g.getKey());
            if (norm(g.getValue()) < ZERO_SUM * norm(float32)) {
                // Its exact value is zero (a convolution's bias right before BatchNorm): both precisions
                // hold only the rounding of a sum that cancels, float64's 2^29 times finer.
                continue;
            }
            ProbeTrace t = trace.withInexactness(
                    relativeDistance(float32, g.getValue()),
                    "the gradient of " + g.getKey() + " at step 0",
                    relativeDistance(moved.get(g.getKey()), float32));
            if (t.excess() > worst.excess()) {
                worst = t;
            }
        }
        return worst;
    }

    /**
     * Below this fraction of the float32 gradient's norm, the float64 one says the exact gradient is zero:
     * float64 rounds a cancelling sum to about 2e-9 of what float32 does, so 1e-6 leaves a margin of 500.
     */
    private static final double ZERO_SUM = 1e-6;

    private static double norm(double[] a) {
        double sum = 0;
        for (double v : a) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    /** Moves every weight one ulp up or down, the direction drawn from the run's seed. */
    private static void moveOneUlp(Block block, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray weight = p.getValue().getArray();
            float[] factors = new float[Math.toIntExact(weight.size())];
            for (int i = 0; i < factors.length; i++) {
                factors[i] = (float) (random.nextBoolean() ? 1 + ONE_ULP : 1 - ONE_ULP);
            }
            try (NDArray f = weight.getManager().create(factors, weight.getShape())) {
                weight.muli(f);
            }
        }
    }

    /** {@code |a - b| / max(|a|, |b|)} in the Euclidean norm, 0 when they are equal: at most 2. */
    private static double relativeDistance(double[] a, double[] b) {
        double difference = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            difference += d * d;
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }
        return difference == 0 ? 0 : Math.sqrt(difference / Math.max(normA, normB));
    }

    /**
     * Trains and prints.
     *
     * @param args the resolved experiment file, the steps, the data folder, the instruction set
     */
    public static void main(String[] args) {
        try {
            probe(args);
        } catch (UserException e) {
            // The run would stop with the same message (a model whose classes differ, missing data): say it so.
            System.out.println(ProbeWorkload.USER_ERROR_MARK + e.getMessage().replace('\n', ' '));
            System.out.flush();
            System.exit(2);
        }
    }

    private static void probe(String[] args) {
        Path file = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        Path dataRoot = Path.of(args[2]);
        String isa = args[3];
        PluginRegistry registry = PluginRegistry.discover(ProbeProcess.class.getClassLoader());
        Experiment experiment = new ExperimentLoader(registry).loadRecorded(file, List.of("engine.isa=" + isa));
        Environment environment =
                new Environment(dataRoot, EngineContext.from(System.getenv()).inProbeProcess());
        RunAssembly assembly = new RunAssembly(registry, environment);
        List<ProbeTrace> traces = new ArrayList<>();
        try (EngineSession session = assembly.openEngine(experiment)) {
            long seed = experiment.seeds().get(0);
            DataSplits data = assembly.openData(experiment, seed);
            for (Map.Entry<String, PluginUse> m : experiment.models().entrySet()) {
                TrainingSetup setup = assembly.setup(experiment, session, data, seed);
                ModelPlugin plugin = registry.model(m.getValue().plugin());
                try (ModelTrainer trainer = new ModelTrainer(
                        setup,
                        m.getKey(),
                        plugin,
                        m.getValue().params(),
                        DataType.FLOAT32,
                        m.getValue().weights())) {
                    List<ProbeTrace> traced = new ArrayList<>(1);
                    Map<String, double[]> gradients = new LinkedHashMap<>();
                    trainer.traceFirstSteps(steps, traced::add);
                    trainer.tapGradients(0, gradients::put);
                    try {
                        trainer.trainSteps(0, steps);
                    } catch (NonFiniteLossException e) {
                        // the trace ends with the non-finite step, which is what the parent needs to see
                    }
                    if (!traced.isEmpty() && traced.get(0).finite()) {
                        traces.add(measureInexactness(
                                traced.get(0),
                                gradients,
                                () -> assembly.setup(experiment, session, data, seed),
                                seed,
                                m.getKey(),
                                plugin,
                                m.getValue()));
                    } else {
                        traces.addAll(traced);
                    }
                }
            }
        }
        // The line the probe reads; then end, whatever threads the engine left running.
        System.out.println(ProbeTrace.answerLine(traces));
        System.out.flush();
        System.exit(0);
    }
}
