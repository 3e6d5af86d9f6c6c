package dev.replica.api.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.replica.api.EnginePlugin;
import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.DeterminismVerdict.Trial;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
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
 * train {@link ProbeNetwork} for a few steps with the same settings and compare the bits of every loss,
 * gradient and final weight. Only separate processes show a fault that differs per process (a kernel
 * that depends on memory layout or thread timing); a rerun in one process would not.
 *
 * <p>Results are cached per machine and settings (processor model and flags, engine and plugin versions,
 * threads, instruction set, device, allocator) under {@code $XDG_CACHE_HOME/replica/determinism}, so the
 * probe costs its few seconds once.
 */
public final class DeterminismProbe {

    /** Changes whenever the probe network or the comparison changes, so old verdicts are not reused. */
    static final int VERSION = 1;

    static final int STEPS = 6;
    private static final String MARK = "REPLICA-PROBE ";
    /** Variables that choose which native library DJL loads, so they decide whose kernels are probed. */
    private static final List<String> LIBRARY_CHOICE =
            List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR", "MXNET_LIBRARY_PATH", "DJL_CACHE_DIR");

    private static final Logger LOG = LogManager.getLogger(DeterminismProbe.class);
    private static final Gson GSON = new Gson();
    /** One probe per verdict folder in a process, so that a verdict is looked up once per process. */
    private static final Map<Path, DeterminismProbe> BY_FOLDER = new HashMap<>();

    private final Path cacheFolder;
    private final String childMain;
    private final List<String> childJvmArguments;
    private final Map<String, Trial> seenInThisProcess = new HashMap<>();

    /**
     * Creates a probe.
     *
     * @param cacheFolder where verdicts are kept between processes
     * @param childMain the class whose {@code main} trains the probe in a child process (tests pass one
     *     that injects a fault)
     * @param childJvmArguments extra arguments for the child JVMs
     */
    public DeterminismProbe(Path cacheFolder, String childMain, List<String> childJvmArguments) {
        this.cacheFolder = cacheFolder;
        this.childMain = childMain;
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
     * Returns the cache folder for an environment.
     *
     * @param env the environment variables
     * @return {@code $XDG_CACHE_HOME/replica/determinism}, else {@code ~/.cache/replica/determinism}
     */
    public static Path defaultCacheFolder(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("replica").resolve("determinism");
    }

    /**
     * Finds the setting an engine runs with: the requested one, or for {@code auto} the first of
     * {@link InstructionSet#AUTO_CANDIDATES} that is bit-identical here (the widest when none is).
     *
     * @param plugin the engine plugin
     * @param threads the intra-op threads
     * @param device the device the engine will run on
     * @param requested the requested setting
     * @param fresh ignore cached verdicts and probe again
     * @return the verdict
     */
    public DeterminismVerdict resolve(
            DjlEnginePlugin plugin, int threads, String device, InstructionSet requested, boolean fresh) {
        List<InstructionSet> candidates =
                requested == InstructionSet.AUTO ? InstructionSet.AUTO_CANDIDATES : List.of(requested);
        List<Trial> trials = new ArrayList<>();
        for (InstructionSet isa : candidates) {
            Trial trial = trial(plugin, threads, device, isa, fresh);
            trials.add(trial);
            if (trial.outcome() == Outcome.IDENTICAL) {
                return new DeterminismVerdict(plugin.name(), threads, requested, isa, trials);
            }
        }
        return new DeterminismVerdict(plugin.name(), threads, requested, candidates.get(0), trials);
    }

    private Trial trial(DjlEnginePlugin plugin, int threads, String device, InstructionSet isa, boolean fresh) {
        String key = key(plugin, threads, device, isa);
        synchronized (seenInThisProcess) {
            Trial seen = fresh ? null : seenInThisProcess.get(key);
            if (seen != null) {
                return seen;
            }
            Trial trial = fresh ? null : readCache(key);
            if (trial == null) {
                trial = run(plugin, threads, device, isa);
                writeCache(key, trial);
            }
            seenInThisProcess.put(key, trial);
            return trial;
        }
    }

    private Trial run(DjlEnginePlugin plugin, int threads, String device, InstructionSet isa) {
        LOG.info(
                "Determinism probe: training a small network in two fresh processes on {} at {} thread{}, "
                        + "instruction sets {} ...",
                plugin.name(),
                threads,
                threads == 1 ? "" : "s",
                isa.word());
        long started = System.nanoTime();
        ProbeNetwork.Trace first;
        ProbeNetwork.Trace second;
        try {
            first = runChild(plugin, threads, device, isa);
            second = runChild(plugin, threads, device, isa);
        } catch (ProbeFailure e) {
            return new Trial(isa, Outcome.FAILED, e.getMessage(), seconds(started), false);
        }
        Trial trial = compare(isa, first, second, seconds(started));
        LOG.info("Determinism probe: {} in {}s", trial.describe(), String.format(Locale.ROOT, "%.1f", trial.seconds()));
        return trial;
    }

    /**
     * Compares what two processes computed.
     *
     * @param isa the setting both ran with
     * @param a the first process's trace
     * @param b the second process's trace
     * @param seconds the time both took
     * @return the trial
     */
    static Trial compare(InstructionSet isa, ProbeNetwork.Trace a, ProbeNetwork.Trace b, double seconds) {
        for (ProbeNetwork.Trace t : List.of(a, b)) {
            for (int step = 0; step < t.losses().size(); step++) {
                float loss =
                        Float.intBitsToFloat(Integer.parseUnsignedInt(t.losses().get(step), 16));
                if (!Float.isFinite(loss)) {
                    return new Trial(isa, Outcome.NON_FINITE, "loss " + loss + " at step " + step, seconds, false);
                }
            }
        }
        int steps = Math.min(a.losses().size(), b.losses().size());
        for (int step = 0; step < steps; step++) {
            List<String> differing = new ArrayList<>();
            for (Map.Entry<String, String> g : a.gradients().get(step).entrySet()) {
                if (!Objects.equals(g.getValue(), b.gradients().get(step).get(g.getKey()))) {
                    differing.add(g.getKey());
                }
            }
            boolean lossDiffers = !a.losses().get(step).equals(b.losses().get(step));
            if (lossDiffers || !differing.isEmpty()) {
                StringBuilder detail = new StringBuilder("first difference at step " + step + ":");
                if (lossDiffers) {
                    detail.append(" the loss (forward pass)");
                }
                if (!differing.isEmpty()) {
                    // Gradients flow from the output back: the differing one nearest the output names the op.
                    String nearest = differing.get(differing.size() - 1);
                    detail.append(lossDiffers ? ", and" : "")
                            .append(" the gradients of ")
                            .append(differing.size())
                            .append(" parameter")
                            .append(differing.size() == 1 ? "" : "s")
                            .append(", nearest the output ")
                            .append(nearest);
                }
                return new Trial(isa, Outcome.DIFFERENT, detail.toString(), seconds, false);
            }
        }
        if (!a.weights().equals(b.weights()) || a.losses().size() != b.losses().size()) {
            return new Trial(isa, Outcome.DIFFERENT, "the final weights differ", seconds, false);
        }
        return new Trial(isa, Outcome.IDENTICAL, "", seconds, false);
    }

    private ProbeNetwork.Trace runChild(DjlEnginePlugin plugin, int threads, String device, InstructionSet isa)
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
        command.addAll(childJvmArguments);
        command.add("-cp");
        command.add(classPath(plugin));
        command.add(childMain);
        command.addAll(List.of(plugin.name(), Integer.toString(threads), isa.word(), device, Integer.toString(STEPS)));
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
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new ProbeFailure("a probe process did not finish in 3 minutes");
            }
            for (String line : Files.readString(out, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(MARK) && p.exitValue() == 0) {
                    return GSON.fromJson(line.substring(MARK.length()), ProbeNetwork.Trace.class);
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
        String[] lines = text.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank()
                ? "(it printed nothing)"
                : lines[lines.length - 1].strip();
    }

    /** The class path of this JVM plus the jars a plugins folder added for the engine plugin. */
    private static String classPath(DjlEnginePlugin plugin) {
        Set<String> entries = new LinkedHashSet<>(
                List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader l = plugin.getClass().getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            entries.add(Path.of(url.toURI()).toString());
                        } catch (URISyntaxException | IllegalArgumentException e) {
                            entries.add(new File(url.getPath()).getPath());
                        }
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * What decides whether a verdict still holds: the probe, the engine and its versions, the settings,
     * the processor and the allocator.
     */
    private static String key(DjlEnginePlugin plugin, int threads, String device, InstructionSet isa) {
        CpuInfo cpu = CpuInfo.current();
        Map<String, String> key = new TreeMap<>();
        key.put("probe", Integer.toString(VERSION));
        key.put("engine", plugin.name());
        key.put("plugin", plugin.getClass().getName() + " " + plugin.version() + " " + plugin.description());
        key.put("djl", Engine.getDjlVersion());
        key.put("threads", Integer.toString(threads));
        key.put("isa", isa.word());
        key.put("device", device);
        key.put("cpu.model", cpu.model());
        key.put("cpu.flags", String.join(" ", cpu.flags()));
        key.put(
                "allocator",
                Objects.toString(System.getenv("LD_PRELOAD"), "") + " "
                        + Objects.toString(System.getenv("MALLOC_CONF"), ""));
        return GSON.toJson(key);
    }

    private record CacheEntry(String key, String outcome, String detail, double seconds, String made) {}

    private Trial readCache(String key) {
        Path file = cacheFolder.resolve(hash(key) + ".json");
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            CacheEntry e = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), CacheEntry.class);
            if (e == null || !key.equals(e.key())) {
                return null;
            }
            @SuppressWarnings("unchecked")
            Map<String, String> fields = GSON.fromJson(key, Map.class);
            return new Trial(
                    InstructionSet.of(fields.get("isa")), Outcome.valueOf(e.outcome()), e.detail(), e.seconds(), true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring the unreadable determinism verdict {} ({}); probing again", file, e.getMessage());
            return null;
        }
    }

    private void writeCache(String key, Trial trial) {
        if (trial.outcome() == Outcome.FAILED) {
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
                            Instant.now().toString())),
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

        ProbeFailure(String message) {
            super(message);
        }
    }

    /**
     * The child process: trains the probe network and prints its trace on one line.
     *
     * @param args engine name, threads, instruction set, device, steps
     */
    public static void main(String[] args) {
        child(args, step -> null);
    }

    /**
     * The child process with a block inserted before the network's head (tests inject faults this way).
     *
     * @param args engine name, threads, instruction set, device, steps
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
        Engine engine = plugin.load(Integer.parseInt(args[1]), InstructionSet.of(args[2]));
        Device device = "cpu".equals(args[3]) ? Device.cpu() : engine.defaultDevice();
        try (NDManager manager = engine.newBaseManager(device)) {
            ProbeNetwork.Trace trace = ProbeNetwork.train(engine, manager, Integer.parseInt(args[4]), extra);
            System.out.println(MARK + GSON.toJson(trace));
        }
        System.exit(0);
    }
}
