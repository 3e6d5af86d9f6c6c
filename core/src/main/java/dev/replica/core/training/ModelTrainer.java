package dev.replica.core.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import dev.replica.api.ExampleSet;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerState;
import dev.replica.api.UserException;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.api.params.Params;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.EpochRecord;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.Numbers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Trains one model, a {@link BuiltModel} (its plugin's network with weights drawn from the run's seed
 * streams): the loop, its checkpoints and files. The loop owns the update (no DJL {@code Trainer}):
 * gradients are collected, each trainable parameter is updated by path, and gradients are zeroed,
 * inside an {@link NDScope} that frees every step's temporaries. That keeps PyTorch and MXNet on the
 * same footing (docs/design.md, section 5).
 *
 * <p>Every random choice is a pure function of (seed, name, epoch, step): the order of examples is
 * {@code data/order/<epoch>}, augmentation {@code data/augment/<epoch>/<index>}, initial weights
 * {@code init/<label>/...}, dropout masks {@code dropout/<label>/.../<step>}.
 */
public final class ModelTrainer implements AutoCloseable {

    private final TrainingSetup setup;
    private final BuiltModel model;
    private final String label;
    private final NDManager manager;
    private final Block block;
    private final OptimizerState optimizerState;
    /** The step the model's dropout draws its masks for: the loop moves it, the model reads it. */
    private final AtomicLong globalStep;

    private final int classes;
    private final TrainingStep step;
    private final BatchPrefetcher batches;
    private long stepNanos;
    private ProbeTrace.Recorder firstSteps;
    private int firstStepCount;
    private Consumer<ProbeTrace> whenTraced;
    private long tappedStep = -1;
    private BiConsumer<String, double[]> gradientTap;

    /**
     * Builds and initialises the model.
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its validated parameters
     * @throws UserException when the plugin leaves a parameter to the engine's random generator
     */
    public ModelTrainer(TrainingSetup setup, String label, ModelPlugin plugin, Params params) {
        this(setup, label, plugin, params, DataType.FLOAT32);
    }

    /**
     * Builds and initialises the model in a given precision: float32 for every run; the cross-engine
     * check also trains float64 copies, to measure each engine's rounding against its exact step.
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its validated parameters
     * @param precision {@link DataType#FLOAT32} or {@link DataType#FLOAT64}
     * @throws UserException when the plugin leaves a parameter to the engine's random generator
     */
    public ModelTrainer(TrainingSetup setup, String label, ModelPlugin plugin, Params params, DataType precision) {
        this(setup, label, plugin, params, precision, null);
    }

    /**
     * Builds and initialises the model, then, when given, loads initial weights from a file in PyTorch's
     * names (an experiment's {@code models.<label>.weights}).
     *
     * @param setup what the run's models share
     * @param label the model's label
     * @param plugin the model plugin
     * @param params its validated parameters
     * @param precision {@link DataType#FLOAT32} or {@link DataType#FLOAT64}
     * @param initialWeights a {@code .safetensors} or {@code .npz} file, or {@code null} for the seeded
     *     initialisation alone
     * @throws UserException when the plugin leaves a parameter to the engine's random generator, or the
     *     weights file does not fit the model
     */
    public ModelTrainer(
            TrainingSetup setup,
            String label,
            ModelPlugin plugin,
            Params params,
            DataType precision,
            Path initialWeights) {
        this(setup, new BuiltModel(setup, label, plugin, params, precision, initialWeights, new AtomicLong()));
    }

    private ModelTrainer(TrainingSetup setup, BuiltModel model) {
        this.setup = setup;
        this.model = model;
        this.label = model.label();
        this.manager = model.manager();
        this.block = model.block();
        this.classes = model.classes();
        this.globalStep = model.step();
        this.optimizerState = new OptimizerState(manager);
        this.step = new TrainingStep(
                setup.session().engine(),
                manager,
                block,
                setup.rule(),
                optimizerState,
                classes,
                setup.session()::gradientCheck,
                setup.session()::inKernelLayout);
        this.batches = new BatchPrefetcher(setup, label);
    }

    /**
     * Returns the model.
     *
     * @return the initialised block
     */
    public Block block() {
        return block;
    }

    /**
     * Returns the optimizer state.
     *
     * @return the state
     */
    public OptimizerState optimizerState() {
        return optimizerState;
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
     * Trains every epoch not yet done, writing history, best weights and a checkpoint after each. When
     * the model's checkpoint exists, continues from it.
     *
     * @param files the model's files in the run folder
     * @param listener progress display
     * @return the progress at the end
     * @throws IOException when writing outputs fails
     */
    public Checkpoint.Progress train(ModelFiles files, ProgressListener listener) throws IOException {
        return train(files, listener, StopRequest.NEVER);
    }

    /**
     * Trains every epoch not yet done, as {@link #train(ModelFiles, ProgressListener)} does, and stops
     * at the next step boundary when asked: the checkpoint then holds that step (weights, optimizer
     * state and the epoch's sums so far), and a resume finishes the epoch as if it had never stopped.
     *
     * @param files the model's files in the run folder
     * @param listener progress display
     * @param stop checked after every step
     * @return the progress at the end
     * @throws IOException when writing outputs fails
     * @throws TrainingStoppedException when a stop was requested, after the checkpoint was written
     */
    public Checkpoint.Progress train(ModelFiles files, ProgressListener listener, StopRequest stop) throws IOException {
        Checkpoint checkpoint = new Checkpoint(files.checkpoint());
        int epochs = setup.training().epochs();
        List<EpochRecord> history = new ArrayList<>();
        int bestEpoch = 0;
        double best = Double.NEGATIVE_INFINITY;
        int start = 1;
        Checkpoint.Partial partial = null;
        if (checkpoint.exists()) {
            Checkpoint.Progress p;
            try {
                p = checkpoint.progress();
                checkpoint.restore(block, optimizerState);
            } catch (IOException | RuntimeException e) {
                throw new UserException(
                        files.checkpoint() + ": cannot resume model '" + label + "' from it ("
                                + e.getMessage()
                                + "); delete that folder to train the model again from epoch 1, or start a "
                                + "new run",
                        e);
            }
            history.addAll(p.history());
            bestEpoch = p.bestEpoch();
            best = p.bestValAccuracy();
            start = p.epoch() + 1;
            partial = p.partial();
        }
        for (int epoch = start; epoch <= epochs; epoch++) {
            EpochRecord record;
            try {
                record = trainEpoch(epoch, partial, listener, stop);
            } catch (NonFiniteLossException e) {
                throw new NonFiniteLossException(
                        e.getMessage() + "; " + lastGood(checkpoint) + ", and nothing after it was written. "
                                + "A smaller learning rate may help; if the loss is finite on another machine or with "
                                + "engine.isa: avx2, run 'replica doctor'",
                        e.epoch(),
                        e.step());
            } catch (Stopped e) {
                Checkpoint.Progress stopped = new Checkpoint.Progress(epoch - 1, bestEpoch, best, history, e.partial);
                writing(
                        "the checkpoint of epoch " + epoch + ", step " + e.partial.steps(),
                        checkpoint,
                        () -> checkpoint.write(block, optimizerState, stopped));
                throw new TrainingStoppedException(
                        "model '" + label + "' stopped (" + stop.reason() + ") in epoch " + epoch + ", after step "
                                + e.partial.steps() + " of " + setup.stepsPerEpoch() + "; its checkpoint is "
                                + files.checkpoint(),
                        files.checkpoint());
            }
            partial = null;
            history.add(record);
            if (record.valAccuracy() > best) {
                best = record.valAccuracy();
                bestEpoch = epoch;
                writing(
                        "the best weights of epoch " + epoch,
                        checkpoint,
                        () -> ModelState.save(block, files.bestWeights()));
            }
            writing("the history of epoch " + epoch, checkpoint, () -> files.writeEpochs(history));
            Checkpoint.Progress done = new Checkpoint.Progress(epoch, bestEpoch, best, history);
            writing(
                    "the checkpoint of epoch " + epoch,
                    checkpoint,
                    () -> checkpoint.write(block, optimizerState, done));
            listener.epoch(label, record, epochs);
            if (stop.requested() && epoch < epochs) {
                throw new TrainingStoppedException(
                        "model '" + label + "' stopped (" + stop.reason() + ") after epoch " + epoch
                                + "; its checkpoint is " + files.checkpoint(),
                        files.checkpoint());
            }
        }
        files.writeEpochs(history);
        return new Checkpoint.Progress(history.size(), bestEpoch, best, history);
    }

    /** A write of the run folder. */
    @FunctionalInterface
    private interface Write {
        void run() throws IOException;
    }

    /**
     * Runs a write; when it fails (a full disk, a read-only folder), stops training with what could not be
     * written, why, and the checkpoint that is kept.
     */
    private void writing(String what, Checkpoint checkpoint, Write write) {
        try {
            write.run();
        } catch (IOException | UncheckedIOException e) {
            String why = e instanceof UncheckedIOException u ? u.getCause().toString() : e.toString();
            throw new WriteFailedException(
                    "model '" + label + "': cannot write " + what + " (" + why + "); training stopped there; "
                            + lastGood(checkpoint) + ", intact",
                    e);
        }
    }

    /** What the last complete checkpoint holds, for messages. */
    private static String lastGood(Checkpoint checkpoint) {
        try {
            if (!checkpoint.exists()) {
                return "no epoch had finished, so there is no checkpoint";
            }
            Checkpoint.Progress p = checkpoint.progress();
            return "the last good checkpoint, after epoch " + p.epoch()
                    + (p.partial() == null ? "" : " and " + p.partial().steps() + " steps of the next")
                    + ", is " + checkpoint.folder();
        } catch (IOException e) {
            return "the checkpoint " + checkpoint.folder() + " could not be read (" + e.getMessage() + ")";
        }
    }

    /** A stop between two steps of an epoch, with the epoch's sums so far. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Checkpoint.Partial partial;

        Stopped(Checkpoint.Partial partial) {
            super(null, null, false, false);
            this.partial = partial;
        }
    }

    /**
     * Trains one epoch and validates.
     *
     * @param epoch the epoch, from 1
     * @param listener progress display
     * @return what the epoch produced
     */
    public EpochRecord trainEpoch(int epoch, ProgressListener listener) {
        return trainEpoch(epoch, null, listener, StopRequest.NEVER);
    }

    private EpochRecord trainEpoch(int epoch, Checkpoint.Partial from, ProgressListener listener, StopRequest stop) {
        int n = setup.data().train().size();
        int steps = setup.stepsPerEpoch();
        double lr = setup.schedule().rate(epoch, 0);
        double lossSum = from == null ? 0 : from.lossSum();
        long correct = from == null ? 0 : from.correct();
        int seen = from == null ? 0 : from.seen();
        // A resumed epoch's time includes what its steps took before the stop (timing.csv, not history).
        long started = System.nanoTime() - (from == null ? 0 : (long) (from.seconds() * 1e9));
        Unread unread = new Unread();
        for (int s = from == null ? 0 : from.steps(); s < steps; s++) {
            unread.add(startStep((long) (epoch - 1) * steps + s));
            listener.stepTrained(label, epoch, s + 1, steps);
            if (s + 1 < steps && !stop.requested() && !unread.due()) {
                continue;
            }
            for (Read r : unread.read()) {
                check(r);
                lossSum += r.outcome().loss() * r.outcome().examples();
                correct += r.outcome().correct();
                seen += r.outcome().examples();
                listener.step(
                        label,
                        epoch,
                        setup.training().epochs(),
                        r.within() + 1,
                        steps,
                        lossSum / seen,
                        (double) correct / seen);
            }
            if (stop.requested() && s + 1 < steps) {
                throw new Stopped(
                        new Checkpoint.Partial(s + 1, lossSum, correct, seen, (System.nanoTime() - started) / 1e9));
            }
        }
        double trainSeconds = (System.nanoTime() - started) / 1e9;
        long evalStarted = System.nanoTime();
        Evaluation val = evaluate(setup.data().validation(), "validation", listener);
        double evalSeconds = (System.nanoTime() - evalStarted) / 1e9;
        return new EpochRecord(
                epoch,
                lr,
                lossSum / n,
                (double) correct / n,
                val.loss(),
                val.accuracy(),
                trainSeconds,
                evalSeconds,
                n,
                val.examples());
    }

    /**
     * What one global training step gave, and where in training it was.
     *
     * @param outcome the step's loss, examples classified right and first non-finite gradient, all before
     *     the update (a step whose gradient is not finite does not update)
     * @param epoch the step's epoch, from 1
     * @param rate the learning rate the step trained with
     */
    public record StepResult(TrainingStep.Outcome outcome, int epoch, double rate) {}

    /**
     * Trains one global step (from 0, counted across epochs) and reads what it computed: its batch is the
     * step's slice of its epoch's order with that epoch's augmentation, its rate the schedule's, and
     * dropout draws that step's masks. The epoch loop and the cross-engine check both train this way, so
     * they cannot drift apart.
     *
     * @param step the global training step
     * @return what the step computed
     */
    public StepResult trainStep(long step) {
        Unread unread = new Unread();
        unread.add(startStep(step));
        Read r = unread.read().get(0);
        return new StepResult(r.outcome(), r.epoch(), r.rate());
    }

    /**
     * Trains {@code count} global steps from {@code from} as the epoch loop trains them (batches made
     * ahead, figures read once per log interval), without evaluating or writing: what {@code replica
     * bench} times.
     *
     * @param from the first global step, from 0
     * @param count how many
     * @return each step's loss
     * @throws NonFiniteLossException when a loss or gradient is not finite
     */
    public List<Double> trainSteps(long from, int count) {
        long t = System.nanoTime();
        List<Double> losses = new ArrayList<>(count);
        Unread unread = new Unread();
        for (long s = from; s < from + count; s++) {
            unread.add(startStep(s));
            if (s + 1 == from + count || unread.due()) {
                for (Read r : unread.read()) {
                    check(r);
                    losses.add(r.outcome().loss());
                }
            }
        }
        stepNanos += System.nanoTime() - t;
        return losses;
    }

    /** A step trained, not yet read. */
    private record Started(TrainingStep.Pending pending, int epoch, int within, double rate) {}

    /** A step read. */
    private record Read(TrainingStep.Outcome outcome, int epoch, int within, double rate) {}

    /** Steps trained but not read: read together once a log interval has passed, in one transfer each. */
    private final class Unread {
        private static final long INTERVAL_NANOS = 1_000_000_000L;
        private static final int MOST = 64;
        private final List<Started> steps = new ArrayList<>();
        private long since = System.nanoTime();

        void add(Started s) {
            steps.add(s);
        }

        boolean due() {
            return steps.size() >= MOST || System.nanoTime() - since >= INTERVAL_NANOS;
        }

        List<Read> read() {
            List<TrainingStep.Pending> pending = new ArrayList<>(steps.size());
            for (Started s : steps) {
                pending.add(s.pending());
            }
            try {
                List<TrainingStep.Outcome> outcomes = TrainingStep.finish(pending, classes, step.trainablePaths());
                List<Read> reads = new ArrayList<>(steps.size());
                for (int i = 0; i < steps.size(); i++) {
                    Started s = steps.get(i);
                    reads.add(new Read(outcomes.get(i), s.epoch(), s.within(), s.rate()));
                }
                return reads;
            } finally {
                pending.forEach(TrainingStep.Pending::close);
                steps.clear();
                since = System.nanoTime(); // the next interval starts at this read
            }
        }
    }

    /**
     * Traces the first global steps as the determinism probe does (loss, gradients, weights after each),
     * and hands the trace over once they are trained: a probe process prints it, a run compares it with
     * what its probe proved. A step whose loss or gradient is not finite ends the trace with a NaN loss.
     * Tracing reads every gradient, so it is for the first few steps only.
     *
     * @param steps how many first steps
     * @param done receives the trace, on the training thread, right after the last traced step
     */
    public void traceFirstSteps(int steps, Consumer<ProbeTrace> done) {
        this.firstSteps = new ProbeTrace.Recorder(label);
        this.firstStepCount = steps;
        this.whenTraced = done;
    }

    /**
     * Hands one global step's gradients to a tap when it is trained ({@link TrainingStep#tapGradients}).
     *
     * @param global the step, from 0
     * @param tap receives each trainable parameter's path and gradient, in the block's order
     */
    public void tapGradients(long global, BiConsumer<String, double[]> tap) {
        this.tappedStep = global;
        this.gradientTap = tap;
    }

    private Started startStep(long global) {
        BatchPrefetcher.Planned planned = batches.take(global);
        double rate = setup.schedule().rate(planned.epoch(), planned.within());
        globalStep.set(global);
        boolean traced = firstSteps != null && global == firstSteps.steps() && global < firstStepCount;
        step.recordGradients(traced ? firstSteps : null);
        step.tapGradients(global == tappedStep ? gradientTap : null);
        TrainingStep.Pending pending = step.start(planned.batch(), rate);
        if (traced) {
            double loss = TrainingStep.scalar(pending.loss());
            boolean finite = Double.isFinite(loss) && step.recordedFinite();
            firstSteps.endStep(finite ? loss : Double.NaN, step.weightsDigest());
            step.recordGradients(null);
            if (firstSteps.steps() == firstStepCount || !finite) {
                ProbeTrace trace = firstSteps.trace();
                firstSteps = null;
                whenTraced.accept(trace);
            }
        }
        return new Started(pending, planned.epoch(), planned.within(), rate);
    }

    /** Stops training at a step whose loss or gradient was not finite; the steps after it are dropped. */
    private void check(Read r) {
        int steps = setup.stepsPerEpoch();
        TrainingStep.Outcome o = r.outcome();
        if (!Double.isFinite(o.loss())) {
            throw new NonFiniteLossException(
                    "model '" + label + "': the loss was " + o.loss() + " at epoch " + r.epoch() + ", step "
                            + (r.within() + 1) + " of " + steps + "; training stopped there",
                    r.epoch(),
                    r.within() + 1);
        }
        if (o.nonFiniteGradient() != null) {
            throw new NonFiniteLossException(
                    "model '" + label + "': the gradient of " + o.nonFiniteGradient()
                            + " held a NaN or an infinity at epoch " + r.epoch() + ", step " + (r.within() + 1) + " of "
                            + steps + " (the loss was " + Numbers.significant(o.loss(), 8)
                            + "); training stopped there",
                    r.epoch(),
                    r.within() + 1);
        }
    }

    /**
     * What the training loop's time went to so far.
     *
     * @param stepSeconds time in training steps, the wait for data included
     * @param prefetchWaitSeconds time a step waited for its batch
     */
    public record LoopTimes(double stepSeconds, double prefetchWaitSeconds) {}

    /**
     * Returns the training loop's times so far.
     *
     * @return the times
     */
    public LoopTimes loopTimes() {
        return new LoopTimes(stepNanos / 1e9, batches.waitNanos() / 1e9);
    }

    /**
     * Evaluates in inference mode (BatchNorm uses its running statistics, dropout is off).
     *
     * @param split the split
     * @return loss and accuracy
     */
    public Evaluation evaluate(ExampleSet split) {
        return model.evaluate(split);
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
        return model.evaluate(split, name, listener, null);
    }

    /**
     * Returns the model being trained.
     *
     * @return the model
     */
    public BuiltModel model() {
        return model;
    }

    /** Frees the model's arrays and the optimizer state. */
    @Override
    public void close() {
        batches.close();
        optimizerState.close();
        model.close();
    }
}
