package dev.replica.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.replica.api.EnginePlugin;
import dev.replica.api.engine.CpuInfo;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.DeterminismVerdict.Trial;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.api.engine.ProbeWorkload;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Proves, or disproves, that an engine gives bit-identical results on this machine: two fresh processes
 * train the probe's workload (the experiment's own models on its first batches, or for a library user
 * without an experiment a small generic network) for a few steps with the same settings, and the bits of
 * every loss, gradient and weight are compared. Only separate processes show a fault that differs per
 * process (a kernel that depends on memory layout or thread timing); a rerun in one process would not.
 * A NaN or an infinity in either process fails the setting too.
 *
 * <p>Verdicts are kept per machine, settings and workload signature under {@code
 * $XDG_CACHE_HOME/replica/determinism}, with the traces the first process computed: a run with a kept
 * verdict still checks its own first steps against them, and a verdict that a run or a {@code reproduce}
 * disproves is withdrawn ({@link #withdraw}), so no single lucky pass is trusted for ever.
 */
public final class DeterminismProbe {

    /** Changes whenever the probe network or the comparison changes, so old verdicts are not reused. */
    static final int VERSION = 5;

    static final int STEPS = 6;
    private static final String MARK = ProbeWorkload.ANSWER_MARK;
    private static final String GENERIC = "the probe's generic network";

    private static final Logger LOG = LogManager.getLogger(DeterminismProbe.class);
    /** Cached verdicts hold traces, whose distance from float64 may be NaN or infinite. */
    private static final Gson GSON =
            new GsonBuilder().serializeSpecialFloatingPointValues().create();
    /** One probe per verdict folder in a process, so that a verdict is looked up once per process. */
    private static final Map<Path, DeterminismProbe> BY_FOLDER = new HashMap<>();

    private final Path cacheFolder;
    private final String genericChildMain;
    private final List<String> childJvmArguments;
    private final Map<String, Trial> seenInThisProcess = new HashMap<>();

    /**
     * Creates a probe.
     *
     * @param cacheFolder where verdicts are kept between processes
     * @param genericChildMain the class whose {@code main} trains the generic network in a child process
     *     (tests pass one that injects a fault)
     * @param childJvmArguments extra arguments for the child JVMs
     */
    public DeterminismProbe(Path cacheFolder, String genericChildMain, List<String> childJvmArguments) {
        this.cacheFolder = cacheFolder;
        this.genericChildMain = genericChildMain;
        this.childJvmArguments = List.copyOf(childJvmArguments);
    }

    /**
     * Returns this process's probe that keeps its verdicts in a folder.
     *
     * @param cacheFolder where verdicts are kept between processes
     * @return the probe
     */
    public static DeterminismProbe at(Path cacheFolder) {
        synchronized (BY_FOLDER) {
            return BY_FOLDER.computeIfAbsent(
                    cacheFolder.toAbsolutePath().normalize(),
                    f -> new DeterminismProbe(f, DeterminismProbe.class.getName(), List.of()));
        }
    }

    /**
     * Finds the setting an engine runs with: the requested one, or for {@code auto} the first of {@link
     * InstructionSet#autoCandidates()} that is bit-identical here on the workload (the widest when none
     * is).
     *
     * @param plugin the engine plugin
     * @param threads the intra-op threads
     * @param device the device the engine will run on
     * @param requested the requested setting
     * @param workload what to train, or {@code null} for the generic network
     * @param fresh ignore cached verdicts and probe again
     * @return the verdict
     */
    public DeterminismVerdict resolve(
            DjlEnginePlugin plugin,
            int threads,
            String device,
            InstructionSet requested,
            ProbeWorkload workload,
            boolean fresh) {
        List<InstructionSet> candidates =
                requested == InstructionSet.AUTO ? InstructionSet.autoCandidates(plugin.name()) : List.of(requested);
        return resolve(plugin, threads, device, requested, candidates, workload, fresh);
    }

    /**
     * Finds the first of some settings that is bit-identical here on the workload.
     *
     * @param plugin the engine plugin
     * @param threads the intra-op threads
     * @param device the device the engine will run on
     * @param requested the setting the experiment asked for, for the verdict
     * @param candidates the settings to try, in order
     * @param workload what to train, or {@code null} for the generic network
     * @param fresh ignore cached verdicts and probe again
     * @return the verdict
     */
    public DeterminismVerdict resolve(
            DjlEnginePlugin plugin,
            int threads,
            String device,
            InstructionSet requested,
            List<InstructionSet> candidates,
            ProbeWorkload workload,
            boolean fresh) {
        String what = workload == null ? GENERIC : workload.description();
        List<Trial> trials = new ArrayList<>();
        for (InstructionSet isa : candidates) {
            Trial trial = trial(plugin, threads, device, isa, workload, fresh);
            trials.add(trial);
            if (trial.outcome() == Outcome.IDENTICAL) {
                return new DeterminismVerdict(plugin.name(), threads, requested, isa, trials, what);
            }
            if (trial.outcome() == Outcome.REFUSED) {
                break; // the workload itself is refused, whatever the setting
            }
        }
        return new DeterminismVerdict(plugin.name(), threads, requested, candidates.get(0), trials, what);
    }

    /**
     * Withdraws a verdict that a run disproved (its own first steps, or a {@code reproduce}, did not give
     * the probe's bits): the setting is kept as different for this workload, so the next process tries
     * the next setting.
     *
     * @param plugin the engine plugin
     * @param threads the intra-op threads
     * @param device the device
     * @param isa the setting that was disproved
     * @param workload the workload it was proved on, or {@code null} for the generic network
     * @param why what disproved it
     */
    public void withdraw(
            DjlEnginePlugin plugin,
            int threads,
            String device,
            InstructionSet isa,
            ProbeWorkload workload,
            String why) {
        String key = key(plugin, threads, device, isa, workload);
        Trial withdrawn = new Trial(isa, Outcome.DIFFERENT, "withdrawn: " + why, 0, false);
        synchronized (seenInThisProcess) {
            seenInThisProcess.put(key, withdrawn);
            writeCache(key, withdrawn);
        }
        LOG.warn("Determinism: the verdict for {} at {} was withdrawn ({})", plugin.name(), isa.word(), why);
    }

    private Trial trial(
            DjlEnginePlugin plugin,
            int threads,
            String device,
            InstructionSet isa,
            ProbeWorkload workload,
            boolean fresh) {
        String key = key(plugin, threads, device, isa, workload);
        synchronized (seenInThisProcess) {
            Trial seen = fresh ? null : seenInThisProcess.get(key);
            if (seen != null) {
                return seen;
            }
            Trial trial = fresh ? null : readCache(key, isa);
            if (trial == null) {
                trial = run(plugin, threads, device, isa, workload);
                writeCache(key, trial);
            }
            seenInThisProcess.put(key, trial);
            return trial;
        }
    }

    private Trial run(DjlEnginePlugin plugin, int threads, String device, InstructionSet isa, ProbeWorkload workload) {
        LOG.info(
                "Determinism probe: training {} in two fresh processes on {} at {} thread{}, instruction sets {} ...",
                workload == null ? GENERIC : workload.description(),
                plugin.name(),
                threads,
                threads == 1 ? "" : "s",
                isa.word());
        long started = System.nanoTime();
        List<ProbeTrace> first;
        List<ProbeTrace> second;
        try {
            first = runChild(plugin, threads, device, isa, workload);
            Trial early = nonFinite(isa, first, seconds(started));
            if (early != null) {
                // A NaN in one process already fails the setting: no second process needed.
                LOG.info("Determinism probe: {}", early.describe());
                return early;
            }
            second = runChild(plugin, threads, device, isa, workload);
        } catch (ProbeFailure e) {
            return new Trial(
                    isa, e.refused ? Outcome.REFUSED : Outcome.FAILED, e.getMessage(), seconds(started), false);
        }
        Trial trial = compare(isa, first, second, seconds(started));
        LOG.info("Determinism probe: {} in {}s", trial.describe(), String.format(Locale.ROOT, "%.1f", trial.seconds()));
        return trial;
    }

    private static Trial nonFinite(InstructionSet isa, List<ProbeTrace> traces, double seconds) {
        for (ProbeTrace t : traces) {
            String inexact = t.inexact();
            if (inexact != null) {
                return new Trial(isa, Outcome.INEXACT, inexact, seconds, false);
            }
            for (int step = 0; step < t.steps(); step++) {
                if (!Double.isFinite(t.loss(step))) {
                    return new Trial(
                            isa,
                            Outcome.NON_FINITE,
                            "model " + t.model() + ": loss " + t.loss(step) + " at step " + step,
                            seconds,
                            false);
                }
            }
        }
        return null;
    }

    /**
     * Compares what two processes computed.
     *
     * @param isa the setting both ran with
     * @param a the first process's traces, one per model
     * @param b the second process's traces
     * @param seconds the time both took
     * @return the trial, with the first process's traces when identical
     */
    static Trial compare(InstructionSet isa, List<ProbeTrace> a, List<ProbeTrace> b, double seconds) {
        for (List<ProbeTrace> traces : List.of(a, b)) {
            Trial bad = nonFinite(isa, traces, seconds);
            if (bad != null) {
                return bad;
            }
        }
        if (a.size() != b.size()) {
            return new Trial(isa, Outcome.DIFFERENT, a.size() + " models traced against " + b.size(), seconds, false);
        }
        for (int i = 0; i < a.size(); i++) {
            String difference = a.get(i).firstDifference(b.get(i));
            if (difference != null) {
                return new Trial(isa, Outcome.DIFFERENT, "first difference in " + difference, seconds, false);
            }
        }
        boolean measured = a.stream().anyMatch(t -> t.inexactness() >= 0);
        double excess = a.stream().mapToDouble(ProbeTrace::excess).max().orElse(0);
        String exactness = measured
                ? String.format(
                        Locale.ROOT, "float32 as close to float64 as rounding explains: at most %.2g of it", excess)
                : "";
        return new Trial(isa, Outcome.IDENTICAL, exactness, seconds, false, a);
    }

    private List<ProbeTrace> runChild(
            DjlEnginePlugin plugin, int threads, String device, InstructionSet isa, ProbeWorkload workload)
            throws ProbeFailure {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        // DJL settings given to this JVM (native library choice, cache folder) hold for the probe too.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-Dai.djl.") && !arg.startsWith("-Dai.djl.pytorch.num_")) {
                command.add(arg);
            }
        }
        // Replica's own settings (and the tests' fault seams) hold in the probe's processes too.
        for (String name : new TreeMap<>(System.getProperties())
                .keySet().stream().map(Object::toString).toList()) {
            if (name.startsWith("replica.") && !name.startsWith(InstructionSet.AUTO_PROPERTY)) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.add("-Dreplica.probe.process=true");
        command.addAll(childJvmArguments);
        command.add("-cp");
        command.add(classPath(plugin, workload == null ? List.of() : workload.classPath()));
        if (workload == null) {
            command.add(genericChildMain);
            command.addAll(List.of(plugin.name(), Integer.toString(threads), device, Integer.toString(STEPS)));
        } else {
            command.add(workload.childMain());
            command.addAll(workload.childArgs());
        }
        command.add(isa.word());
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("replica-probe", ".out");
            err = Files.createTempFile("replica-probe", ".err");
            // Both streams to files: reading a pipe would block past the timeout on a child that hangs.
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new ProbeFailure("a probe process did not finish in 10 minutes");
            }
            for (String line : Files.readString(out, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(ProbeWorkload.USER_ERROR_MARK)) {
                    // The workload itself is refused there (a model whose classes differ, a plugin only this
                    // process registered): the probe could not run, and says why in the user's words.
                    throw new ProbeFailure(line.substring(ProbeWorkload.USER_ERROR_MARK.length()), true);
                }
                if (line.startsWith(MARK) && p.exitValue() == 0) {
                    return ProbeTrace.readAnswer(line);
                }
            }
            throw new ProbeFailure("a probe process ended with status " + p.exitValue() + ": "
                    + lastLine(Files.readString(err, StandardCharsets.UTF_8)));
        } catch (IOException | JsonParseException e) {
            throw new ProbeFailure("a probe process could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProbeFailure("interrupted");
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file left behind
            }
        }
    }

    private static String lastLine(String text) {
        for (String line : text.split("\n")) {
            // The exception's own line says more than the last frame of its trace.
            if (line.startsWith("Exception in thread") || line.startsWith("Caused by:")) {
                return line.strip();
            }
        }
        String[] lines = text.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank()
                ? "(it printed nothing)"
                : lines[lines.length - 1].strip();
    }

    /** The class path of this JVM plus the jars a plugins folder added for the engine plugin. */
    private static String classPath(DjlEnginePlugin plugin, List<String> extra) {
        Set<String> entries = new LinkedHashSet<>(
                List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        entries.addAll(extra);
        entries.addAll(ProbeWorkload.classPathOf(plugin));
        return String.join(File.pathSeparator, entries);
    }

    /**
     * What decides whether a verdict still holds: the probe, the engine and its versions, the settings,
     * the processor and the allocator.
     */
    private static String key(
            DjlEnginePlugin plugin, int threads, String device, InstructionSet isa, ProbeWorkload workload) {
        CpuInfo cpu = CpuInfo.current();
        Map<String, String> key = new TreeMap<>();
        key.put("probe", Integer.toString(VERSION));
        key.put("engine", plugin.name());
        key.put("plugin", plugin.getClass().getName() + " " + plugin.version() + " " + plugin.description());
        key.put("djl", Engine.getDjlVersion());
        key.put("threads", Integer.toString(threads));
        key.put("isa", isa.word());
        key.put("device", device);
        key.put("workload", workload == null ? GENERIC : workload.signature());
        key.put("cpu.model", cpu.model());
        key.put("cpu.flags", String.join(" ", cpu.flags()));
        key.put(
                "allocator",
                Objects.toString(System.getenv("LD_PRELOAD"), "") + " "
                        + Objects.toString(System.getenv("MALLOC_CONF"), ""));
        // A test seam changes what the kernels compute: a verdict proved without one holds only without it.
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("replica.test.")
                        && !System.getProperty(name).isBlank())
                .forEach(name -> key.put(name, System.getProperty(name)));
        return GSON.toJson(key);
    }

    private record CacheEntry(
            String key, String outcome, String detail, double seconds, String made, List<ProbeTrace> traces) {}

    private Trial readCache(String key, InstructionSet isa) {
        Path file = cacheFolder.resolve(hash(key) + ".json");
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            CacheEntry e = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), CacheEntry.class);
            if (e == null || !key.equals(e.key())) {
                return null;
            }
            Outcome outcome = Outcome.valueOf(e.outcome());
            if (outcome == Outcome.IDENTICAL
                    && (e.traces() == null || e.traces().isEmpty())) {
                return null; // a proof without the bits a run must compute again proves nothing now
            }
            return new Trial(isa, outcome, e.detail(), e.seconds(), true, e.traces());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring the unreadable determinism verdict {} ({}); probing again", file, e.getMessage());
            return null;
        }
    }

    private void writeCache(String key, Trial trial) {
        if (trial.outcome() == Outcome.FAILED || trial.outcome() == Outcome.REFUSED) {
            return; // a probe that could not run says nothing about the machine
        }
        Path file = cacheFolder.resolve(hash(key) + ".json");
        try {
            Files.createDirectories(cacheFolder);
            Path tmp = Files.createTempFile(cacheFolder, "verdict", ".tmp");
            Files.writeString(
                    tmp,
                    GSON.toJson(new CacheEntry(
                            key,
                            trial.outcome().name(),
                            trial.detail(),
                            trial.seconds(),
                            Instant.now().toString(),
                            trial.traces())),
                    StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn(
                    "Could not keep the determinism verdict in {} ({}); the probe will run again next time",
                    cacheFolder,
                    e.getMessage());
        }
    }

    private static String hash(String text) {
        return HexFormat.of().formatHex(ProbeNetwork.sha256().digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    /** A probe process that failed; its message says how. */
    private static final class ProbeFailure extends Exception {
        private static final long serialVersionUID = 1L;

        private final boolean refused;

        ProbeFailure(String message) {
            this(message, false);
        }

        ProbeFailure(String message, boolean refused) {
            super(message);
            this.refused = refused;
        }
    }

    /**
     * Prints a probe process's traces on the line its parent reads, and ends the process.
     *
     * @param traces one trace per model
     */
    public static void answer(List<ProbeTrace> traces) {
        System.out.println(ProbeTrace.answerLine(traces));
        System.out.flush();
        System.exit(0);
    }

    /**
     * The child process: trains the generic probe network and prints its trace on one line.
     *
     * @param args engine name, threads, device, steps, instruction set
     */
    public static void main(String[] args) {
        child(args, step -> null);
    }

    /**
     * The child process with a block inserted before the network's head (tests inject faults this way).
     *
     * @param args engine name, threads, device, steps, instruction set
     * @param extra makes the block from the current training step, or returns {@code null}
     */
    public static void child(String[] args, Function<LongSupplier, Block> extra) {
        String name = args[0];
        DjlEnginePlugin plugin = null;
        for (EnginePlugin p : ServiceLoader.load(EnginePlugin.class)) {
            if (p.name().equals(name) && p instanceof DjlEnginePlugin djl) {
                plugin = djl;
            }
        }
        if (plugin == null) {
            System.err.println("no DJL engine plugin named '" + name + "' on the class path");
            System.exit(1);
        }
        Engine engine = plugin.load(Integer.parseInt(args[1]), InstructionSet.of(args[4]));
        Device device = "cpu".equals(args[2]) ? Device.cpu() : engine.defaultDevice();
        try (NDManager manager = engine.newBaseManager(device)) {
            answer(List.of(ProbeNetwork.train(engine, manager, Integer.parseInt(args[3]), extra)));
        }
    }
}
