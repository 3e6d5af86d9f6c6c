package dev.replica.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.DeterminismVerdict.Trial;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.OperatorProfiler;
import dev.replica.api.engine.ProbeWorkload;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The part of an engine plugin that every DJL backend shares: offline loading by name, the native
 * settings that change bits (applied before the natives load, in any JVM), the determinism probe,
 * device choice, seeding and the manifest's description. A backend names its DJL engine and the
 * native variables it reads.
 */
public abstract class DjlEnginePlugin implements EnginePlugin {

    /** The devices a user may ask for. */
    public static final String DEVICE_CPU = "cpu";

    /** The determinism policies: stop when the probe fails here, or run anyway and say so. */
    public static final String STRICT = "strict";

    public static final String RELAXED = "relaxed";

    private static final Logger LOG = LogManager.getLogger(DjlEnginePlugin.class);

    private static final ParameterSpec[] SPECS = {
        ParameterSpec.integer("threads", "intra-op threads of the engine, set before its native " + "library loads")
                .withDefault(2)
                .atLeast(1),
        ParameterSpec.string(
                        "device",
                        "where to run: cpu, gpu (fails if none is usable) "
                                + "or auto (gpu when one is usable, else cpu)")
                .withDefault(DEVICE_CPU)
                .allowing("cpu", "gpu", "auto"),
        ParameterSpec.string(
                        "isa",
                        "the widest instruction set oneDNN's kernels may use; auto: the "
                                + "widest that the determinism probe proved bit-identical on this machine")
                .withDefault(InstructionSet.AUTO.word())
                .allowing(InstructionSet.words()),
        ParameterSpec.string(
                        "determinism",
                        "strict: stop when two processes do not compute the same "
                                + "bits here (the probe); relaxed: run anyway and record that the run is not "
                                + "bit-reproducible here")
                .withDefault(STRICT)
                .allowing(STRICT, RELAXED)
    };

    private final DeterminismProbe probe;

    /** Creates the plugin; it probes with the verdict folder of the context it is opened with. */
    protected DjlEnginePlugin() {
        this(null);
    }

    /**
     * Creates the plugin with a probe of its own (tests).
     *
     * @param probe the determinism probe, or {@code null} for the one at the context's verdict folder
     */
    protected DjlEnginePlugin(DeterminismProbe probe) {
        this.probe = probe;
    }

    /**
     * Returns DJL's name of the engine, e.g. {@code PyTorch}.
     *
     * @return the DJL engine name
     */
    protected abstract String djlEngineName();

    /**
     * Asks for a thread count through system properties, where the backend reads them when it loads.
     *
     * @param threads the requested count
     */
    protected abstract void requestThreads(int threads);

    /**
     * Returns the prefix of the variables the backend's oneDNN reads: oneDNN 3.x reads {@code ONEDNN_}
     * names first, oneDNN 2.x only {@code DNNL_} ones. Distinct prefixes let two engines in one process
     * keep settings of their own.
     *
     * @return e.g. {@code ONEDNN_}
     */
    protected abstract String onednnPrefix();

    /**
     * Returns the native environment the backend loads with: every variable its natives read that
     * changes bits (threads, oneDNN's instruction sets and floating-point mode), mapped to a value or to
     * {@code null} for "unset", so that nothing left in the user's environment changes a result unseen.
     * A backend adds the variables of its own natives.
     *
     * @param threads the intra-op threads
     * @param isa the instruction-set setting, never {@link InstructionSet#AUTO}
     * @return the variables, sorted
     */
    protected SortedMap<String, String> nativeSettings(int threads, InstructionSet isa) {
        SortedMap<String, String> env = new TreeMap<>();
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        env.put("MKL_NUM_THREADS", Integer.toString(threads));
        env.put(onednnPrefix() + "MAX_CPU_ISA", isa.onednnValue());
        // Set, not unset: oneDNN 3.x falls back to DNNL_ names, which a user or the other engine may have set.
        env.put(onednnPrefix() + "DEFAULT_FPMATH_MODE", "STRICT"); // float32 as float32: no implicit bf16
        env.put(onednnPrefix() + "CPU_ISA_HINTS", "NO_HINTS");
        return env;
    }

    /** Says which variables the user had set that the engine replaced: they no longer take effect. */
    private void warnAboutReplaced(SortedMap<String, String> settings, Map<String, String> startEnvironment) {
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String had = startEnvironment.get(e.getKey());
            if (had != null && !had.equals(e.getValue())) {
                LOG.warn(
                        "{}={} in the environment does not apply: the {} engine sets {} (engine.isa, "
                                + "engine.threads and the determinism probe decide it)",
                        e.getKey(),
                        had,
                        name(),
                        e.getValue() == null ? "it unset" : e.getKey() + "=" + e.getValue());
            }
        }
    }

    /**
     * Runs once per process after the engine first loaded; by default nothing.
     *
     * @param engine the loaded engine
     */
    protected void afterFirstLoad(Engine engine) {}

    /**
     * Returns the number of intra-op threads the loaded engine runs with.
     *
     * @param engine the loaded engine
     * @return the thread count
     */
    protected abstract int observedThreads(Engine engine);

    /**
     * Returns the engine's numeric conventions that matter when comparing engines.
     *
     * @return sorted key-value pairs
     */
    protected abstract Map<String, String> conventions();

    @Override
    public ParameterSchema schema() {
        List<ParameterSpec> specs = new ArrayList<>(List.of(SPECS));
        specs.add(ParameterSpec.string(
                        EngineFacts.MEMORY_FORMAT,
                        "the memory layout of a model's input, which its convolutions keep: contiguous (NCHW, "
                                + "every engine) or, on pytorch, channels_last (NHWC in memory, which oneDNN "
                                + "reads without reordering: faster on narrow nets, and other bits than contiguous)")
                .withDefault(EngineFacts.CONTIGUOUS)
                .allowing(memoryFormats().toArray(String[]::new)));
        return ParameterSchema.of(specs.toArray(ParameterSpec[]::new));
    }

    /**
     * Returns the memory layouts this engine's kernels can read a model's input in; by default only
     * {@value EngineFacts#CONTIGUOUS}.
     *
     * @return the layouts, the default first
     */
    protected List<String> memoryFormats() {
        return List.of(EngineFacts.CONTIGUOUS);
    }

    /**
     * Returns how a model's input is put in a memory layout of {@link #memoryFormats}; by default as it is.
     *
     * @param memoryFormat the layout
     * @return the conversion, which keeps every value
     */
    protected UnaryOperator<NDArray> inputLayout(String memoryFormat) {
        return UnaryOperator.identity();
    }

    @Override
    public EngineSession open(Params params, EngineContext context) {
        int threads = params.getInt("threads");
        String device = params.getString("device");
        InstructionSet requested = InstructionSet.of(params.getString("isa"));
        String memoryFormat = params.getString(EngineFacts.MEMORY_FORMAT);
        if (!memoryFormats().contains(memoryFormat)) {
            // Parameters validated for another engine (a check's sides share them) must not run here as another layout.
            throw new UserException("engine " + EngineFacts.MEMORY_FORMAT + ": '" + memoryFormat + "' is not a layout "
                    + name() + " reads; allowed: " + memoryFormats());
        }
        if (context.probeProcess()) {
            // One of the probe's own processes: it runs what it was given and proves nothing itself.
            Engine engine = load(threads, requested);
            return new Session(
                    engine,
                    chooseDevice(engine, device),
                    observedThreads(engine),
                    DeterminismVerdict.unproved(name(), threads, requested, "a probe process"),
                    nativeSettings(threads, requested),
                    null,
                    context.workload(),
                    memoryFormat);
        }
        if (context.workload() == null && !EngineFacts.CONTIGUOUS.equals(memoryFormat)) {
            // The generic network the probe trains without an experiment reads its input as made.
            throw new UserException("engine " + EngineFacts.MEMORY_FORMAT + ": " + memoryFormat + " is proved on an "
                    + "experiment's own models; open the engine through an experiment (replica run, the Java API's "
                    + "Replica.run), or use " + EngineFacts.MEMORY_FORMAT + ": " + EngineFacts.CONTIGUOUS);
        }
        DeterminismProbe probe = this.probe != null ? this.probe : DeterminismProbe.at(context.verdictCache());
        InstructionSet loaded = loadedInstructionSet(threads);
        List<InstructionSet> candidates = requested == InstructionSet.AUTO ? autoCandidates() : List.of(requested);
        // A setting the experiment names is proved as it is; only auto's choice follows the run.
        InstructionSet trainedAt = requested == InstructionSet.AUTO ? context.trainedAt() : null;
        boolean narrowedAway = trainedAt != null && !candidates.contains(trainedAt);
        candidates = trainedAtFirst(candidates, trainedAt);
        if (loaded != null && requested == InstructionSet.AUTO) {
            // The natives read their settings once: once loaded here, the engine's is the only one left.
            candidates = List.of(loaded);
        }
        DeterminismVerdict verdict =
                probe.resolve(this, threads, device, requested, candidates, context.workload(), context.fresh());
        if (!verdict.bitIdentical() && verdict.nowhereFinite()) {
            // Not the kernels: the model's own first steps diverge (a learning rate too high, a NaN by design).
            // The run stops at its first non-finite step with its own message; nothing is claimed.
            LOG.warn(
                    "{}: the first steps were not finite with any setting tried, so the model diverges by itself; "
                            + "training goes on and stops at its first non-finite step",
                    verdict.summary());
        } else if (!verdict.bitIdentical() && verdict.couldNotRun()) {
            Trial refused = verdict.trials().get(0);
            if (refused.outcome() == Outcome.REFUSED && STRICT.equals(params.getString("determinism"))) {
                // The run would stop with the same message (missing data, a weights file that does not fit).
                throw new UserException(refused.detail());
            }
            if (STRICT.equals(params.getString("determinism"))) {
                throw new UserException("the determinism probe of " + name() + " could not run here ("
                        + verdict.trials().get(0).detail() + "), so bit-identity is unproved. Run 'replica "
                        + "doctor --fresh' to see why; set engine.determinism: relaxed to run without the proof");
            }
            LOG.warn(
                    "The determinism probe could not run ({}); engine.determinism is relaxed, so this goes on "
                            + "and the manifest says so",
                    verdict.trials().get(0).detail());
        } else if (!verdict.bitIdentical()) {
            if (STRICT.equals(params.getString("determinism"))) {
                throw new UserException(name() + " is not bit-reproducible on this machine: " + verdict.summary()
                        + ". Run 'replica doctor' for details; try engine.threads: 1, or set engine.determinism: "
                        + "relaxed to run anyway (the manifest and report then say the run is not bit-reproducible "
                        + "here)");
            }
            LOG.warn("{}; engine.determinism is relaxed, so this goes on and the manifest says so", verdict.summary());
        } else if (trainedAt != null && verdict.used() == trainedAt) {
            LOG.info("Determinism: {}, the setting the run trained at", verdict.summary());
        } else if (verdict.pinned()) {
            LOG.info("Determinism: {}", verdict.summary());
        }
        if (trainedAt != null && verdict.used() != trainedAt) {
            LOG.warn(
                    "The run trained at instruction sets {}, which this process cannot use ({}): it computes at {}, "
                            + "so its numbers may differ from the run's (a resumed run's from those of a run that "
                            + "never stopped)",
                    trainedAt.word(),
                    loaded != null
                            ? "the engine already loaded here at " + loaded.word()
                            : narrowedAway
                                    ? "-D" + InstructionSet.AUTO_PROPERTY + " leaves auto only "
                                            + candidates.stream()
                                                    .map(InstructionSet::word)
                                                    .toList()
                                    : verdict.summary(),
                    verdict.used().word());
        }
        Engine engine = load(threads, verdict.used());
        return new Session(
                engine,
                chooseDevice(engine, device),
                observedThreads(engine),
                verdict,
                nativeSettings(threads, verdict.used()),
                probe,
                context.workload(),
                memoryFormat);
    }

    /** Auto's candidates with a run's own setting first, so that going on from the run keeps its kernels. */
    private static List<InstructionSet> trainedAtFirst(List<InstructionSet> candidates, InstructionSet trainedAt) {
        if (trainedAt == null || !candidates.contains(trainedAt)) {
            return candidates;
        }
        List<InstructionSet> ordered = new ArrayList<>(List.of(trainedAt));
        candidates.stream().filter(c -> c != trainedAt).forEach(ordered::add);
        return ordered;
    }

    /** Auto's candidates here; a bad {@code replica.isa.auto} property is the user's error, said as one. */
    private List<InstructionSet> autoCandidates() {
        try {
            return InstructionSet.autoCandidates(name());
        } catch (IllegalArgumentException e) {
            throw new UserException("-D" + InstructionSet.AUTO_PROPERTY + "[." + name() + "]: " + e.getMessage());
        }
    }

    /**
     * Returns the setting this engine loaded with in this process, if it has.
     *
     * @param threads the intra-op threads it would load with
     * @return the setting, or {@code null} when the engine has not loaded here
     */
    public InstructionSet loadedInstructionSet(int threads) {
        SortedMap<String, String> loaded = NativeEnvironment.loaded(name());
        if (loaded == null) {
            return null;
        }
        for (InstructionSet isa : InstructionSet.values()) {
            if (isa != InstructionSet.AUTO && nativeSettings(threads, isa).equals(loaded)) {
                return isa;
            }
        }
        return null;
    }

    /**
     * Loads the engine with its native settings; no probe (the probe's own processes load this way).
     *
     * @param threads the intra-op threads
     * @param isa the instruction-set setting, never {@link InstructionSet#AUTO}
     * @return the engine
     */
    Engine load(int threads, InstructionSet isa) {
        // DJL makes a network call when it first loads an engine unless told it is offline.
        System.setProperty("ai.djl.offline", "true");
        SortedMap<String, String> settings = nativeSettings(threads, isa);
        boolean first = NativeEnvironment.applyBeforeLoad(name(), settings);
        if (first) {
            warnAboutReplaced(settings, System.getenv());
        }
        requestThreads(threads);
        try {
            Engine engine = Engine.getEngine(djlEngineName());
            // DJL infers LambdaBlock and ParallelBlock shapes on its default engine (MXNet wherever it is
            // installed); left so, a PyTorch run loads MXNet, whose oneDNN starts a second OpenMP pool in
            // libtorch's libgomp and stops its spinning (design.md, "One OpenMP pool").
            System.setProperty("ai.djl.default_engine", djlEngineName());
            if (first) {
                afterFirstLoad(engine);
            }
            return engine;
        } catch (EngineException | IllegalArgumentException e) {
            NativeEnvironment.forget(name());
            throw new UserException(
                    "engine '" + name() + "' could not be loaded (" + e.getMessage() + "); its native "
                            + "library ships in the replica-engine-djl-" + name() + " module",
                    e);
        }
    }

    private Device chooseDevice(Engine engine, String requested) {
        if (DEVICE_CPU.equals(requested)) {
            return Device.cpu();
        }
        int gpus = engine.getGpuCount();
        switch (requested) {
            case "gpu":
                if (gpus == 0) {
                    throw new UserException("engine.device: gpu was asked for, but " + djlEngineName() + " sees no "
                            + "usable GPU on this machine; allowed: cpu, gpu, auto. The CUDA "
                            + "native libraries are not on Maven Central: README.md, section "
                            + "'Running on a GPU', says how to add them.");
                }
                return Device.gpu();
            case "auto":
                return gpus > 0 ? Device.gpu() : Device.cpu();
            default:
                return Device.cpu();
        }
    }

    /**
     * The engine's {@link EngineSession#gradientCheck}; by default one sum per gradient.
     *
     * @param gradients the gradients, in the block's order
     * @return one number per gradient, finite exactly when the gradient is
     */
    protected NDArray gradientCheck(NDList gradients) {
        return EngineSession.finiteChecks(gradients);
    }

    /**
     * The engine's own profiler of operator calls, for {@link EngineSession#operatorProfiler}; by default
     * none.
     *
     * @return the profiler, or empty
     */
    protected Optional<OperatorProfiler> operatorProfiler() {
        return Optional.empty();
    }

    private final class Session implements EngineSession {
        private final Engine engine;
        private final Device device;
        private final int threads;
        private final DeterminismVerdict determinism;
        private final SortedMap<String, String> nativeSettings;
        private final DeterminismProbe probe;
        private final ProbeWorkload workload;
        private final String memoryFormat;
        private final UnaryOperator<NDArray> layout;

        Session(
                Engine engine,
                Device device,
                int threads,
                DeterminismVerdict determinism,
                SortedMap<String, String> nativeSettings,
                DeterminismProbe probe,
                ProbeWorkload workload,
                String memoryFormat) {
            this.memoryFormat = memoryFormat;
            this.layout = inputLayout(memoryFormat);
            this.engine = engine;
            this.device = device;
            this.threads = threads;
            this.determinism = determinism;
            this.nativeSettings = nativeSettings;
            this.probe = probe;
            this.workload = workload;
        }

        @Override
        public void withdrawVerdict(String why) {
            if (probe != null && determinism.bitIdentical()) {
                probe.withdraw(
                        DjlEnginePlugin.this,
                        determinism.threads(),
                        device.isGpu() ? "gpu" : DEVICE_CPU,
                        determinism.used(),
                        workload,
                        why);
            }
        }

        @Override
        public Optional<OperatorProfiler> operatorProfiler() {
            return DjlEnginePlugin.this.operatorProfiler();
        }

        @Override
        public NDArray inKernelLayout(NDArray batch) {
            return layout.apply(batch);
        }

        @Override
        public DeterminismVerdict determinism() {
            return determinism;
        }

        @Override
        public Engine engine() {
            return engine;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public NDManager newManager() {
            return engine.newBaseManager(device);
        }

        @Override
        public void seed(long seed) {
            engine.setRandomSeed(SeedStream.engineSeed(seed));
        }

        @Override
        public int observedThreads() {
            return threads;
        }

        @Override
        public SortedMap<String, String> describe() {
            SortedMap<String, String> d = new TreeMap<>(conventions());
            d.put(EngineFacts.PLUGIN, name());
            d.put(EngineFacts.DJL_VERSION, Engine.getDjlVersion());
            d.put(EngineFacts.ENGINE_NAME, engine.getEngineName());
            d.put(EngineFacts.ENGINE_VERSION, engine.getVersion());
            d.put(EngineFacts.DEVICE, device.toString());
            d.put(EngineFacts.THREADS, Integer.toString(threads));
            d.put(EngineFacts.MEMORY_FORMAT, memoryFormat);
            d.put(EngineFacts.ISA_REQUESTED, determinism.requested().word());
            d.put(EngineFacts.ISA, determinism.used().word());
            d.put(EngineFacts.DETERMINISM, determinism.summary());
            d.put(EngineFacts.BIT_IDENTICAL, Boolean.toString(determinism.bitIdentical()));
            for (Map.Entry<String, String> e : nativeSettings.entrySet()) {
                // What the natives really see, which is what was set unless something changed it since.
                String seen = NativeEnvironment.get(e.getKey());
                d.put(EngineFacts.NATIVE + e.getKey(), seen == null ? "unset" : seen);
            }
            return d;
        }

        @Override
        public NDArray gradientCheck(NDList gradients) {
            return DjlEnginePlugin.this.gradientCheck(gradients);
        }

        @Override
        public void close() {
            // DJL engines are process-wide and stay loaded; nothing to release here.
        }
    }
}
