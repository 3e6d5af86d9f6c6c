package dev.replica.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.google.gson.GsonBuilder;
import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.ExampleSet;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.OperatorProfiler;
import dev.replica.api.nn.Blocks;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.Training;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The measurements of one model on one engine, made in a process of their own (a fresh JVM, so that
 * its start, its peak memory and its native settings are this model's alone): start to first step, the
 * data pipeline, evaluation, checkpoint write and load, then Replica's loop and the bare DJL loop in
 * interleaved rounds, with the plain PyTorch loop as a third when there is one.
 */
public final class LoopBenchmark {

    /**
     * What {@link #measure} found; the parent process reads it as JSON.
     *
     * @param engine the engine plugin
     * @param model the model's label
     * @param plugin the model plugin
     * @param params the model's resolved params
     * @param isa the instruction-set setting the engine ran with
     * @param memoryFormat the memory layout of the models' input ({@code engine.memory_format})
     * @param threads the engine's threads
     * @param batchSize examples per step
     * @param parameters trainable parameters
     * @param startSeconds from the JVM's start to the first step's (engine, data, seeded weights)
     * @param pipelineImagesPerSecond read, augment, normalise, batch to an NDArray, one thread
     * @param evalImagesPerSecond evaluation
     * @param checkpointWriteSeconds writing a checkpoint (weights and optimizer state, atomically)
     * @param checkpointLoadSeconds restoring it into a fresh model
     * @param checkpointBytes its size
     * @param peakRssBytes the process's peak resident memory while it trained one model (engine, data, the
     *     pipeline, evaluation and a checkpoint's write), before the checkpoint's load and the bare loop made
     *     more models
     * @param stepsPerRound steps of each loop in a round
     * @param replicaSeconds each round's time of Replica's loop
     * @param bareSeconds each round's time of the bare DJL loop (empty when not measured)
     * @param peerSeconds each round's time of the plain PyTorch loop, or {@code null}
     * @param peer the peer's version, or why it did not run
     * @param prefetchWaitSeconds how long Replica's steps waited for batches in the rounds
     * @param replicaStepSeconds how long Replica's steps took in the rounds
     * @param stepsCompared the steps whose losses were compared between Replica and the bare loop
     * @param sameLosses whether every compared loss had the same bits
     */
    public record Result(
            String engine,
            String model,
            String plugin,
            Map<String, Object> params,
            String isa,
            String memoryFormat,
            int threads,
            int batchSize,
            long parameters,
            double startSeconds,
            double pipelineImagesPerSecond,
            double evalImagesPerSecond,
            double checkpointWriteSeconds,
            double checkpointLoadSeconds,
            long checkpointBytes,
            long peakRssBytes,
            int stepsPerRound,
            double[] replicaSeconds,
            double[] bareSeconds,
            double[] peerSeconds,
            String peer,
            double prefetchWaitSeconds,
            double replicaStepSeconds,
            int stepsCompared,
            boolean sameLosses) {

        /**
         * Returns an integer parameter of the model.
         *
         * @param key the parameter
         * @return its value, or -1 when the model has no such integer parameter
         */
        public int param(String key) {
            return params.get(key) instanceof Number n ? n.intValue() : -1;
        }
    }

    private final RunAssembly assembly;
    private final PluginRegistry registry;

    /**
     * Creates the benchmark.
     *
     * @param assembly opens the engine and the data as a run does
     * @param registry every plugin
     */
    public LoopBenchmark(RunAssembly assembly, PluginRegistry registry) {
        this.assembly = assembly;
        this.registry = registry;
    }

    /**
     * Measures one model of an experiment on its engine.
     *
     * @param experiment the experiment, its engine the one to measure
     * @param label the model's label
     * @param rounds interleaved rounds of each loop
     * @param roundSeconds about how long one round of one loop trains
     * @param peer the PyTorch peer's command, or {@code null} for none
     * @param scratch a folder for the checkpoint
     * @param replicaOnly measure Replica's loop alone, no more (for the determinism pin's cost)
     * @return the figures
     * @throws IOException when the checkpoint cannot be written
     */
    public Result measure(
            Experiment experiment,
            String label,
            int rounds,
            double roundSeconds,
            PythonPeer.Command peer,
            Path scratch,
            boolean replicaOnly)
            throws IOException {
        PluginUse optimizer = experiment.optimizer();
        return withTrainer(experiment, label, (session, setup, trainer, plugin, use) -> {
            Figures f = new Figures();
            // Start-up: the JVM, the engine, the data and the model's seeded weights, up to the first step.
            f.start = secondsSinceJvmStart();
            f.replicaLosses.addAll(trainer.trainSteps(0, 1));
            long started = System.nanoTime();
            f.replicaLosses.addAll(trainer.trainSteps(1, 2));
            double stepSeconds = (System.nanoTime() - started) / 2e9;
            f.steps = Math.max(2, (int) Math.round(roundSeconds / stepSeconds));
            f.rss = Memory.peakRssBytes();
            if (replicaOnly) {
                f.replicaSeconds = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    trainer.trainSteps(3 + (long) r * f.steps, f.steps);
                    f.replicaSeconds[r] = (System.nanoTime() - t0) / 1e9;
                }
            } else {
                around(f, trainer, setup, label, plugin, use.params(), scratch);
                againstTheOthers(
                        f, trainer, setup, label, plugin, use.params(), optimizer.params(), rounds, peer, scratch);
            }
            return new Result(
                    experiment.engine().plugin(),
                    label,
                    plugin.name(),
                    use.params().asMap(),
                    session.determinism().used().word(),
                    experiment.engine().params().getString(EngineFacts.MEMORY_FORMAT),
                    session.observedThreads(),
                    setup.training().batchSize(),
                    Blocks.trainableParameterCount(trainer.block()),
                    f.start,
                    f.pipeline,
                    f.eval,
                    f.write,
                    f.load,
                    f.bytes,
                    f.rss,
                    f.steps,
                    f.replicaSeconds,
                    f.bareSeconds,
                    f.peerSeconds,
                    f.peer,
                    f.wait,
                    f.stepTime,
                    f.replicaLosses.size(),
                    f.sameLosses());
        });
    }

    /** What runs with a model ready to train on its engine and data, as a run trains it. */
    private interface TrainerWork<T> {
        T apply(EngineSession session, TrainingSetup setup, ModelTrainer trainer, ModelPlugin plugin, PluginUse use)
                throws IOException;
    }

    /**
     * Opens the experiment's engine and data, and builds the model as a run does, at one rate throughout
     * (rounds must not cross a milestone) and with epochs enough for every round.
     */
    private <T> T withTrainer(Experiment experiment, String label, TrainerWork<T> work) throws IOException {
        PluginUse use = experiment.models().get(label);
        if (use == null) {
            throw new UserException("no model '" + label + "' in the file; models: "
                    + experiment.models().keySet());
        }
        requireComparable(experiment, "the experiment");
        ModelPlugin plugin = registry.model(use.plugin());
        long seed = experiment.seeds().get(0);
        try (EngineSession session = assembly.openEngine(experiment)) {
            DataSplits data = assembly.openData(experiment, seed);
            TrainingSetup run = assembly.setup(experiment, session, data, seed);
            TrainingSetup setup = new TrainingSetup(
                    session,
                    data,
                    new Training(
                            1000, run.training().batchSize(), run.training().evalBatchSize()),
                    run.seeds(),
                    run.rule(),
                    (epoch, step) -> run.rule().baseRate());
            try (ModelTrainer trainer = new ModelTrainer(setup, label, plugin, use.params())) {
                return work.apply(session, setup, trainer, plugin, use);
            }
        }
    }

    /**
     * Profiles Replica's loop on one model: after a warm-up (the JIT, oneDNN's primitive cache), a sampling
     * profiler records every thread's stacks, Java and native, while the loop trains {@code steps} steps.
     * Where the engine has a profiler of its own operators, the next {@code steps} steps run under it, and
     * then as many of the plain PyTorch loop's, warmed up alike, under torch's.
     *
     * @param experiment the experiment, its engine the one to profile
     * @param label the model's label
     * @param steps the steps to profile
     * @param stacks where the profiler's collapsed stacks are written (a flame graph's input)
     * @param peer the plain PyTorch loop, or {@code null} for none
     * @param scratch a folder of the caller's own, for the operator traces
     * @return where their time went
     * @throws IOException when the profiler cannot be loaded or started, or the stacks not written
     */
    public StepProfile profile(
            Experiment experiment, String label, int steps, Path stacks, PythonPeer.Command peer, Path scratch)
            throws IOException {
        return withTrainer(experiment, label, (session, setup, trainer, plugin, use) -> {
            trainer.trainSteps(0, PROFILE_WARM_UP);
            SamplingProfiler profiler = SamplingProfiler.start();
            long t0 = System.nanoTime();
            trainer.trainSteps(PROFILE_WARM_UP, steps);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String collapsed = profiler.stop();
            SafeFiles.writeAtomically(stacks, collapsed);
            StepProfile samples =
                    StepProfile.of(experiment.engine().plugin(), label, profiler.event(), steps, seconds, collapsed);
            Optional<OperatorProfiler> operators = session.operatorProfiler();
            if (operators.isEmpty()) {
                return samples;
            }
            Path trace = scratch.resolve("replica-operators.json");
            long faults = Memory.minorPageFaults();
            operators.get().start();
            long t1 = System.nanoTime();
            trainer.trainSteps(PROFILE_WARM_UP + steps, steps);
            double traced = (System.nanoTime() - t1) / 1e9;
            operators.get().stop(trace);
            long faulted = faults < 0 ? -1 : Memory.minorPageFaults() - faults;
            OperatorProfile replica = OperatorProfile.read(trace, steps, traced, faulted);
            if (peer == null) {
                return samples.withOperators(new StepProfile.Operators(replica, null, "left out"));
            }
            if (peer.script() == null) {
                return samples.withOperators(new StepProfile.Operators(replica, null, peer.missing()));
            }
            try (PythonPeer python = peer.start(
                    plugin.name(),
                    use.params(),
                    setup.training().batchSize(),
                    setup.data().classes(),
                    setup.data().exampleShape().getShape(),
                    scratch.resolve("peer.log"))) {
                python.train(2 * PROFILE_WARM_UP);
                OperatorProfile theirs = python.profile(steps, scratch.resolve("peer-operators.json"));
                return samples.withOperators(new StepProfile.Operators(replica, theirs, python.version()));
            } catch (IOException e) {
                // As in the timed rounds: the profile goes on without the peer, and the report says why.
                return samples.withOperators(new StepProfile.Operators(replica, null, e.getMessage()));
            }
        });
    }

    /** Steps trained before a profile starts. */
    static final int PROFILE_WARM_UP = 5;

    /**
     * Checks that the bare loop can train what the experiment trains: it writes out PyTorch's SGD only.
     *
     * @param experiment the experiment
     * @param file how to name it in the message, e.g. its path
     * @throws UserException when the optimizer is not {@code sgd} without Nesterov
     */
    public static void requireComparable(Experiment experiment, String file) {
        PluginUse optimizer = experiment.optimizer();
        if (!optimizer.plugin().equals("sgd")) {
            throw new UserException(file + ": optimizer.plugin is '" + optimizer.plugin() + "'; bench compares "
                    + "with a bare loop of PyTorch's SGD, so it needs optimizer.plugin: sgd");
        }
        if (optimizer.params().getBoolean("nesterov")) {
            throw new UserException(file + ": optimizer.params.nesterov is true; bench compares with a bare loop "
                    + "of PyTorch's SGD without Nesterov, so it needs nesterov: false");
        }
    }

    /** What a measurement has found so far. */
    private static final class Figures {
        double start;
        double pipeline = Double.NaN;
        double eval = Double.NaN;
        double write = Double.NaN;
        double load = Double.NaN;
        long bytes;
        long rss;
        int steps;
        double[] replicaSeconds;
        double[] bareSeconds = new double[0];
        double[] peerSeconds;
        String peer = "";
        double wait;
        double stepTime;
        final List<Double> replicaLosses = new ArrayList<>();
        final List<Double> bareLosses = new ArrayList<>();

        boolean sameLosses() {
            boolean same = !bareLosses.isEmpty() && replicaLosses.size() == bareLosses.size();
            for (int i = 0; same && i < replicaLosses.size(); i++) {
                same = (float) (double) replicaLosses.get(i) == (float) (double) bareLosses.get(i);
            }
            return same;
        }
    }

    /** The figures around the loop: the data pipeline, evaluation, a checkpoint's write and load. */
    private static void around(
            Figures f,
            ModelTrainer trainer,
            TrainingSetup setup,
            String label,
            ModelPlugin plugin,
            Params params,
            Path scratch)
            throws IOException {
        f.pipeline = pipelineImagesPerSecond(setup, Math.max(4, f.steps));
        f.eval = evalImagesPerSecond(
                trainer, setup.data().validation(), setup.training().evalBatchSize(), 2);
        Checkpoint checkpoint = new Checkpoint(scratch.resolve("checkpoint"));
        long t = System.nanoTime();
        checkpoint.write(trainer.block(), trainer.optimizerState(), new Checkpoint.Progress(0, 0, 0, List.of()));
        f.write = (System.nanoTime() - t) / 1e9;
        f.bytes = folderBytes(checkpoint.folder());
        // The training process's peak, before the load below makes a second model.
        f.rss = Memory.peakRssBytes();
        try (ModelTrainer other = new ModelTrainer(setup, label, plugin, params)) {
            t = System.nanoTime();
            checkpoint.restore(other.block(), other.optimizerState());
            f.load = (System.nanoTime() - t) / 1e9;
        }
    }

    /**
     * Replica's loop against the bare DJL loop and the PyTorch peer, in interleaved rounds: the bare loop
     * first trains the steps Replica has trained, so that from then on both train the same steps.
     */
    private static void againstTheOthers(
            Figures f,
            ModelTrainer trainer,
            TrainingSetup setup,
            String label,
            ModelPlugin plugin,
            Params params,
            Params sgd,
            int rounds,
            PythonPeer.Command peer,
            Path scratch)
            throws IOException {
        int batch = setup.training().batchSize();
        AtomicLong bareStep = new AtomicLong();
        try (NDManager manager = setup.session().newManager();
                PythonPeer opened = peer == null
                        ? null
                        : peer.start(
                                plugin.name(),
                                params,
                                batch,
                                setup.data().classes(),
                                setup.data().exampleShape().getShape(),
                                scratch.resolve("peer.log"));
                BareDjlLoop bare = new BareDjlLoop(
                        setup.session(),
                        manager,
                        bareBlock(setup, label, plugin, params, bareStep, manager),
                        bareStep,
                        setup.data().classes(),
                        sgd.getDouble("lr"),
                        sgd.getDouble("momentum"),
                        sgd.getDouble("weight_decay"))) {
            PythonPeer python = opened;
            long step = f.replicaLosses.size();
            for (long s = 0; s < step; s++) {
                bare.step(s, batchOf(setup, s));
            }
            addAll(f.bareLosses, bare.readLosses());
            f.replicaSeconds = new double[rounds];
            f.bareSeconds = new double[rounds];
            f.peerSeconds = python == null ? null : new double[rounds];
            f.peer = python == null ? peer == null ? "" : peer.missing() : python.version();
            // Round -1 warms every loop up (JIT, oneDNN's primitive caches, the peer) and is not counted.
            ModelTrainer.LoopTimes before = null;
            for (int r = -1; r < rounds; r++) {
                if (r == 0) {
                    before = trainer.loopTimes();
                }
                List<Batch> batches = new ArrayList<>(f.steps);
                for (int s = 0; s < f.steps; s++) {
                    batches.add(batchOf(setup, step + s));
                }
                double replica = 0;
                double plain = 0;
                // Alternate who goes first, so that a drift in the machine's speed favours neither.
                for (int turn = 0; turn < 2; turn++) {
                    long t0 = System.nanoTime();
                    if ((turn == 0) == (r % 2 == 0)) {
                        f.replicaLosses.addAll(trainer.trainSteps(step, f.steps));
                        replica = (System.nanoTime() - t0) / 1e9;
                    } else {
                        for (int s = 0; s < f.steps; s++) {
                            bare.step(step + s, batches.get(s));
                        }
                        addAll(f.bareLosses, bare.readLosses());
                        plain = (System.nanoTime() - t0) / 1e9;
                    }
                }
                double peerRound = 0;
                if (python != null) {
                    try {
                        peerRound = python.train(f.steps);
                    } catch (IOException e) {
                        // The comparison goes on without the peer, and the report says why.
                        f.peer = e.getMessage();
                        f.peerSeconds = null;
                        python = null;
                    }
                }
                if (r >= 0) {
                    f.replicaSeconds[r] = replica;
                    f.bareSeconds[r] = plain;
                    if (f.peerSeconds != null) {
                        f.peerSeconds[r] = peerRound;
                    }
                }
                step += f.steps;
            }
            ModelTrainer.LoopTimes after = trainer.loopTimes();
            f.wait = after.prefetchWaitSeconds() - before.prefetchWaitSeconds();
            f.stepTime = after.stepSeconds() - before.stepSeconds();
        }
    }

    /** The same block Replica's trainer builds (the same seed streams, so the same initial weights). */
    private static Block bareBlock(
            TrainingSetup setup, String label, ModelPlugin plugin, Params params, AtomicLong step, NDManager manager) {
        Block block = plugin.create(params, setup.modelContext(label, step::get));
        block.initialize(
                manager, DataType.FLOAT32, new Shape(1).addAll(setup.data().exampleShape()));
        return block;
    }

    /** The batch of a global step, exactly as Replica's loop draws it. */
    private static Batch batchOf(TrainingSetup setup, long step) {
        int perEpoch = setup.stepsPerEpoch();
        int epoch = (int) (step / perEpoch) + 1;
        int[] indices = setup.batchIndices(setup.order(epoch), (int) (step % perEpoch));
        return setup.data().train().batch(indices, setup.augmentation(epoch));
    }

    /**
     * Read, augment, normalise and batch to an NDArray, on one thread, warm (as the prefetch thread is
     * after its first batches): at least {@code batches} batches and half a second.
     */
    private static double pipelineImagesPerSecond(TrainingSetup setup, int batches) {
        int[] order = setup.order(1);
        SeedStream augment = setup.augmentation(1);
        try (NDManager manager = setup.session().newManager()) {
            long images = 0;
            long t = 0;
            for (int s = 0; s < batches + 5 || System.nanoTime() - t < 500_000_000L; s++) {
                if (s == 5) {
                    images = 0;
                    t = System.nanoTime();
                }
                Batch b = setup.data().train().batch(setup.batchIndices(order, s % setup.stepsPerEpoch()), augment);
                try (NDArray x = manager.create(b.features(), b.shape())) {
                    images += b.size();
                }
            }
            return images / ((System.nanoTime() - t) / 1e9);
        }
    }

    /** Evaluation of a prefix of the validation split, long enough to take about {@code seconds}. */
    private static double evalImagesPerSecond(
            ModelTrainer trainer, ExampleSet validation, int batchSize, double seconds) {
        int n = Math.min(validation.size(), batchSize);
        trainer.evaluate(new Prefix(validation, n)); // warm-up
        long t = System.nanoTime();
        trainer.evaluate(new Prefix(validation, n));
        double one = (System.nanoTime() - t) / 1e9;
        int batches = (int) Math.max(1, Math.min(validation.size() / batchSize, Math.round(seconds / one)));
        int images = Math.min(validation.size(), batches * batchSize);
        t = System.nanoTime();
        trainer.evaluate(new Prefix(validation, images));
        return images / ((System.nanoTime() - t) / 1e9);
    }

    private static double loadSeconds(
            Checkpoint checkpoint, TrainingSetup setup, String label, ModelPlugin plugin, Params params)
            throws IOException {
        try (ModelTrainer other = new ModelTrainer(setup, label, plugin, params)) {
            long t = System.nanoTime();
            checkpoint.restore(other.block(), other.optimizerState());
            return (System.nanoTime() - t) / 1e9;
        }
    }

    private static long folderBytes(Path folder) throws IOException {
        try (var files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static double secondsSinceJvmStart() {
        return (System.currentTimeMillis()
                        - ManagementFactory.getRuntimeMXBean().getStartTime())
                / 1e3;
    }

    private static void addAll(List<Double> to, float[] values) {
        for (float v : values) {
            to.add((double) v);
        }
    }

    /**
     * Serialises a result as one line of JSON.
     *
     * @param result the result
     * @return the line
     */
    public static String toJson(Result result) {
        return new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(result);
    }

    /**
     * Reads a result line.
     *
     * @param json the line
     * @return the result
     */
    public static Result fromJson(String json) {
        return new GsonBuilder().serializeSpecialFloatingPointValues().create().fromJson(json, Result.class);
    }

    /** The first examples of a split. */
    private record Prefix(ExampleSet split, int size) implements ExampleSet {
        @Override
        public Batch batch(int[] indices, SeedStream augment) {
            return split.batch(indices, augment);
        }
    }
}
