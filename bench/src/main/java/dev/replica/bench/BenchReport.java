package dev.replica.bench;

import dev.replica.api.engine.CpuInfo;
import dev.replica.api.engine.EngineFacts;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.state.SafeFiles;
import dev.replica.report.Plots;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * What a benchmark found: the tables, the verdicts on the targets, the CSV and the plot. Speeds are
 * medians over the interleaved rounds; a ratio is the median of the rounds' ratios, each between loops
 * that ran back to back, so a drift of the machine's speed cancels.
 */
public final class BenchReport {

    /** Replica's loop may be at most 2% slower than the bare DJL loop. */
    static final double BARE_RATIO = 0.98;
    /** The floor over the plain PyTorch loop on ResNet-18 width 16. */
    static final double RESNET_PEER_RATIO = 1.2;
    /** The floor over the plain PyTorch loop on VGG19-BN /4. */
    static final double VGG_PEER_RATIO = 3.0;
    /** The step may wait on data for at most this share of its time. */
    static final double WAIT_SHARE = 0.01;
    /** Start to first step. */
    static final double FIRST_STEP_SECONDS = 3.0;
    /** Peak memory of full-width VGG19-BN at batch 128. */
    static final double RSS_BYTES = 4e9;
    /** The CPU-scale study, both models. */
    static final double STUDY_MINUTES = 30;

    /**
     * The instruction-set pin's cost on one engine: Replica's loop in fresh processes, alternately at the
     * native setting and pinned to AVX2 (what {@code isa: auto} picks where native is not bit-identical).
     *
     * @param engine the engine
     * @param model the model's label
     * @param nativeImagesPerSecond a figure per round
     * @param avx2ImagesPerSecond a figure per round
     */
    public record IsaCost(String engine, String model, double[] nativeImagesPerSecond, double[] avx2ImagesPerSecond) {

        double ratio() {
            double[] r = new double[nativeImagesPerSecond.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = avx2ImagesPerSecond[i] / nativeImagesPerSecond[i];
            }
            return median(r);
        }
    }

    /**
     * A verdict on a target.
     *
     * @param target what was asked
     * @param pass whether it held; {@code null} when it could not be measured
     * @param detail the figures behind it
     */
    public record Verdict(String target, Boolean pass, String detail) {

        String word() {
            return pass == null ? "N/A " : pass ? "PASS" : "FAIL";
        }
    }

    private final CpuInfo cpu;
    private final List<LoopBenchmark.Result> results;
    private final List<IsaCost> isaCosts;
    private final String peer;
    private final List<StepProfile> profiles;

    /**
     * Creates the report, without profiles.
     *
     * @param cpu the machine
     * @param results one per model and engine
     * @param isaCosts the instruction-set pin's cost, per engine
     * @param peer the PyTorch peer's version, or why it did not run
     */
    public BenchReport(CpuInfo cpu, List<LoopBenchmark.Result> results, List<IsaCost> isaCosts, String peer) {
        this(cpu, results, isaCosts, peer, List.of());
    }

    /**
     * Creates the report.
     *
     * @param cpu the machine
     * @param results one per model and engine
     * @param isaCosts the instruction-set pin's cost, per engine
     * @param peer the PyTorch peer's version, or why it did not run
     * @param profiles where the steps' time went, per model and engine
     */
    public BenchReport(
            CpuInfo cpu,
            List<LoopBenchmark.Result> results,
            List<IsaCost> isaCosts,
            String peer,
            List<StepProfile> profiles) {
        this.cpu = cpu;
        this.results = List.copyOf(results);
        this.isaCosts = List.copyOf(isaCosts);
        this.peer = peer;
        this.profiles = List.copyOf(profiles);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static double imagesPerSecond(LoopBenchmark.Result r, double[] seconds) {
        if (seconds == null || seconds.length == 0) {
            return Double.NaN;
        }
        double[] ips = new double[seconds.length];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = (double) r.stepsPerRound() * r.batchSize() / seconds[i];
        }
        return median(ips);
    }

    /** Replica's speed over another loop's: the median of the rounds' ratios. */
    static double speedRatio(double[] replicaSeconds, double[] otherSeconds) {
        return median(ratios(replicaSeconds, otherSeconds));
    }

    private static double[] ratios(double[] replicaSeconds, double[] otherSeconds) {
        if (otherSeconds == null || otherSeconds.length == 0) {
            return new double[0];
        }
        double[] r = new double[replicaSeconds.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = otherSeconds[i] / replicaSeconds[i];
        }
        return r;
    }

    /** The quartile {@code q} (0.25, 0.75) of some values, interpolated. */
    static double quartile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double at = q * (v.length - 1);
        int low = (int) Math.floor(at);
        int high = Math.min(v.length - 1, low + 1);
        return v[low] + (at - low) * (v[high] - v[low]);
    }

    /** A ratio with the spread of its rounds: {@code 0.991 (0.975-1.004)}, the median and quartiles. */
    static String ratioWithSpread(double[] replicaSeconds, double[] otherSeconds, int digits) {
        double[] r = ratios(replicaSeconds, otherSeconds);
        if (r.length == 0) {
            return "-";
        }
        return fixed(median(r), digits) + " (" + fixed(quartile(r, 0.25), digits) + "-"
                + fixed(quartile(r, 0.75), digits) + ")";
    }

    static double waitShare(LoopBenchmark.Result r) {
        return r.replicaStepSeconds() <= 0 ? Double.NaN : r.prefetchWaitSeconds() / r.replicaStepSeconds();
    }

    /**
     * Judges every target.
     *
     * @return the verdicts, in the order
     */
    public List<Verdict> verdicts() {
        List<Verdict> v = new ArrayList<>();
        v.add(worst(
                "Replica / bare DJL >= " + BARE_RATIO + " at every width, both engines",
                r -> true,
                r -> speedRatio(r.replicaSeconds(), r.bareSeconds()),
                true,
                BARE_RATIO,
                "%.3f",
                r -> quartile(ratios(r.replicaSeconds(), r.bareSeconds()), 0.75) >= BARE_RATIO
                        ? " (within the rounds' spread)"
                        : ""));
        v.add(peerTarget(
                r -> r.plugin().equals("resnet") && r.param("depth") == 18 && r.param("width") == 16,
                RESNET_PEER_RATIO,
                "ResNet-18 width 16"));
        v.add(peerTarget(
                r -> r.plugin().equals("cifar-resnet") && r.param("depth") == 56, RESNET_PEER_RATIO, "ResNet-56"));
        v.add(everyModelAtParity());
        v.add(peerTarget(
                r -> r.plugin().equals("vgg") && r.param("depth") == 19 && r.param("width_divisor") == 4,
                VGG_PEER_RATIO,
                "VGG19-BN /4"));
        v.add(worst(
                "the step never waits on data: prefetch wait < 1% of step time",
                r -> true, r -> waitShare(r) * 100, false, WAIT_SHARE * 100, "%.2f%%", r -> ""));
        v.add(worst(
                "warm start to first step < " + (int) FIRST_STEP_SECONDS + " s (JVM, engine, data, seeded weights)",
                r -> true,
                LoopBenchmark.Result::startSeconds,
                false,
                FIRST_STEP_SECONDS,
                "%.2f s",
                r -> ""));
        v.add(worst(
                "peak RSS of full-width VGG19-BN at batch 128 < 4 GB",
                r -> r.plugin().equals("vgg") && isFullWidthVgg(r) && r.batchSize() == 128,
                r -> r.peakRssBytes() / 1e9,
                false,
                RSS_BYTES / 1e9,
                "%.2f GB",
                r -> ""));
        v.add(study());
        return v;
    }

    private static boolean isFullWidthVgg(LoopBenchmark.Result r) {
        return r.param("depth") == 19 && r.param("width_divisor") == 1;
    }

    private Verdict worst(
            String target,
            Predicate<LoopBenchmark.Result> which,
            ToDoubleFunction<LoopBenchmark.Result> figure,
            boolean atLeast,
            double bound,
            String format,
            Function<LoopBenchmark.Result, String> spread) {
        LoopBenchmark.Result worst = null;
        double worstValue = Double.NaN;
        List<String> failed = new ArrayList<>();
        for (LoopBenchmark.Result r : results) {
            if (!which.test(r)) {
                continue;
            }
            double x = figure.applyAsDouble(r);
            if (Double.isNaN(x)) {
                continue;
            }
            if (worst == null || (atLeast ? x < worstValue : x > worstValue)) {
                worst = r;
                worstValue = x;
            }
            if (atLeast ? x < bound : x >= bound) {
                failed.add(
                        r.engine() + " " + r.model() + " " + String.format(Locale.ROOT, format, x) + spread.apply(r));
            }
        }
        if (worst == null) {
            return new Verdict(target, null, "not measured in this run");
        }
        String detail = (atLeast ? "lowest " : "highest ") + String.format(Locale.ROOT, format, worstValue) + " ("
                + worst.engine() + " " + worst.model() + ")"
                + (failed.isEmpty() ? "" : "; missed by " + String.join(", ", failed));
        return new Verdict(target, failed.isEmpty(), detail);
    }

    /** A floor over the plain PyTorch loop, met when one engine reaches it (the target). */
    private Verdict peerTarget(Predicate<LoopBenchmark.Result> which, double bound, String name) {
        String target = "Replica >= " + bound + "x the plain PyTorch loop on " + name + ", on at least one engine";
        List<String> figures = new ArrayList<>();
        boolean pass = false;
        boolean any = false;
        for (LoopBenchmark.Result r : results) {
            if (!which.test(r)) {
                continue;
            }
            double x = speedRatio(r.replicaSeconds(), r.peerSeconds());
            if (Double.isNaN(x)) {
                continue;
            }
            any = true;
            pass |= x >= bound;
            // The bare loop's own ratio tells the loop's share of a gap from the engine's.
            figures.add(r.engine() + " " + String.format(Locale.ROOT, "%.2fx", x)
                    + (r.bareSeconds().length == 0
                            ? ""
                            : String.format(
                                    Locale.ROOT, " (bare DJL %.2fx)", speedRatio(r.bareSeconds(), r.peerSeconds()))));
        }
        if (!any) {
            boolean ran = results.stream().anyMatch(r -> r.peerSeconds() != null);
            return new Verdict(target, null, "not measured: " + (ran ? "no " + name + " in this run" : peer));
        }
        return new Verdict(target, pass, String.join(", ", figures));
    }

    /** At parity with the plain PyTorch loop on every model measured, each on its best engine. */
    private Verdict everyModelAtParity() {
        String target = "Replica >= 1.0x the plain PyTorch loop at every width and depth, each on its best engine";
        Map<String, Double> best = new TreeMap<>();
        Map<String, String> where = new TreeMap<>();
        for (LoopBenchmark.Result r : results) {
            double x = speedRatio(r.replicaSeconds(), r.peerSeconds());
            if (!Double.isNaN(x) && x > best.getOrDefault(r.model(), Double.NEGATIVE_INFINITY)) {
                best.put(r.model(), x);
                where.put(r.model(), r.engine());
            }
        }
        if (best.isEmpty()) {
            return new Verdict(target, null, "not measured: " + peer);
        }
        List<String> figures = new ArrayList<>();
        best.forEach((model, x) ->
                figures.add(model + " " + String.format(Locale.ROOT, "%.2fx", x) + " (" + where.get(model) + ")"));
        return new Verdict(target, best.values().stream().allMatch(x -> x >= 1.0), String.join(", ", figures));
    }

    /** The CPU-scale study (docs/design.md, section 6): 16 epochs of 50,000 training and 10,000 test images. */
    private Verdict study() {
        String target = "the CPU-scale study (ResNet-18 w16 + VGG19-BN /4, 16 epochs) < 30 min (projected)";
        List<String> figures = new ArrayList<>();
        boolean pass = true;
        boolean any = false;
        for (String engine : engines()) {
            LoopBenchmark.Result resnet = find(engine, "resnet", "width", 16);
            LoopBenchmark.Result vgg = find(engine, "vgg", "width_divisor", 4);
            if (resnet == null || vgg == null) {
                continue;
            }
            double seconds = 0;
            for (LoopBenchmark.Result r : List.of(resnet, vgg)) {
                seconds += 16 * (50_000 / imagesPerSecond(r, r.replicaSeconds()) + 10_000 / r.evalImagesPerSecond());
            }
            any = true;
            pass &= seconds / 60 < STUDY_MINUTES;
            figures.add(engine + " " + String.format(Locale.ROOT, "%.1f min", seconds / 60));
        }
        if (!any) {
            return new Verdict(target, null, "not measured: the file has no resnet width 16 and vgg /4 pair");
        }
        return new Verdict(
                target, pass, String.join(", ", figures) + " from this run's training and evaluation speeds");
    }

    private LoopBenchmark.Result find(String engine, String plugin, String key, int value) {
        for (LoopBenchmark.Result r : results) {
            if (r.engine().equals(engine) && r.plugin().equals(plugin) && r.param(key) == value) {
                return r;
            }
        }
        return null;
    }

    private List<String> engines() {
        return results.stream().map(LoopBenchmark.Result::engine).distinct().toList();
    }

    /**
     * Returns the machine line every figure is printed with.
     *
     * @return e.g. {@code AMD EPYC 9R14, 2 cores; avx2 avx512f ...}
     */
    public String machine() {
        List<String> vector = cpu.flags().stream()
                .filter(f -> f.startsWith("avx") || f.startsWith("amx") || f.equals("fma"))
                .sorted()
                .toList();
        return cpu.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores; " + String.join(" ", vector);
    }

    /**
     * Renders the report as text: the machine, the two tables, the pin's cost and the verdicts.
     *
     * @return the text
     */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append("Machine: ").append(machine()).append('\n');
        b.append("PyTorch peer: ").append(peer).append("\n\n");
        b.append("Training loop (img/s, median of interleaved rounds; ratios: median (quartiles) of the rounds')\n");
        table(
                b,
                List.of(
                        "engine",
                        "model",
                        "M params",
                        "steps x rounds",
                        "Replica",
                        "bare DJL",
                        "Replica/bare",
                        "PyTorch",
                        "Replica/PyTorch",
                        "same losses"),
                loopRows());
        b.append("\nAround the loop\n");
        table(
                b,
                List.of(
                        "engine",
                        "model",
                        "prefetch wait",
                        "pipeline img/s",
                        "eval img/s",
                        "start s",
                        "peak RSS GB",
                        "ckpt MB",
                        "ckpt write s",
                        "ckpt load s"),
                aroundRows());
        if (!isaCosts.isEmpty()) {
            b.append(
                    "\nThe determinism pin (isa avx2) against native, Replica's loop in alternating fresh processes\n");
            List<List<String>> rows = new ArrayList<>();
            for (IsaCost c : isaCosts) {
                rows.add(List.of(
                        c.engine(),
                        c.model(),
                        fixed(median(c.nativeImagesPerSecond()), 1),
                        fixed(median(c.avx2ImagesPerSecond()), 1),
                        fixed(c.ratio(), 3)));
            }
            table(b, List.of("engine", "model", "native img/s", "avx2 img/s", "avx2/native"), rows);
        }
        if (!profiles.isEmpty()) {
            profileTable(b);
        }
        for (StepProfile p : profiles) {
            if (p.operators() != null) {
                operatorTable(b, p);
            }
        }
        b.append("\nTargets\n");
        for (Verdict v : verdicts()) {
            b.append("  ")
                    .append(v.word())
                    .append("  ")
                    .append(v.target())
                    .append(": ")
                    .append(v.detail())
                    .append('\n');
        }
        return b.toString();
    }

    /** Where a step's time goes: one column per profiled model and engine, one row per part. */
    private void profileTable(StringBuilder b) {
        b.append("\nWhere a step's time goes (share of CPU samples on every thread, async-profiler; "
                + "ms/step timed without it)\n");
        List<String> header = new ArrayList<>(List.of("part", "code"));
        for (StepProfile p : profiles) {
            header.add(p.engine() + " " + p.model());
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> timed = new ArrayList<>(List.of("ms/step, timed", ""));
        List<String> profiled = new ArrayList<>(List.of("ms/step, profiled", ""));
        for (StepProfile p : profiles) {
            LoopBenchmark.Result r = results.stream()
                    .filter(x -> x.engine().equals(p.engine()) && x.model().equals(p.model()))
                    .findFirst()
                    .orElse(null);
            timed.add(r == null ? "-" : fixed(1000 * median(r.replicaSeconds()) / r.stepsPerRound(), 1));
            profiled.add(fixed(1000 * p.seconds() / p.steps(), 1));
        }
        rows.add(timed);
        rows.add(profiled);
        for (String part : StepProfile.PARTS) {
            if (profiles.stream().allMatch(p -> p.share(part) < 0.0005)) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(part, StepProfile.code(part)));
            for (StepProfile p : profiles) {
                row.add(fixed(100 * p.share(part), 1) + "%");
            }
            rows.add(row);
        }
        table(b, header, rows);
        if (profiles.stream().anyMatch(p -> p.share(StepProfile.UNWOUND) > 0.2)) {
            b.append("(Where much is not unwound: oneDNN's AVX-512 kernels keep no frame pointers; at "
                    + "--set engine.isa=avx2 their callers name them.)\n");
        }
    }

    /** Operators shown one by one in a step's operator table; the rest share a row. */
    static final int OPERATOR_ROWS = 12;

    /**
     * A step's operators in Replica's loop beside the plain PyTorch loop's, both from PyTorch's own
     * profiler: the most expensive, the rest, and the time between operators.
     */
    private static void operatorTable(StringBuilder b, StepProfile p) {
        OperatorProfile replica = p.operators().replica();
        OperatorProfile peer = p.operators().peer();
        b.append("\nOperators of a step, ")
                .append(p.engine())
                .append(' ')
                .append(p.model())
                .append(" (PyTorch's profiler, self time, ms per step over ")
                .append(replica.steps())
                .append(" steps; the PyTorch loop: ")
                .append(
                        peer == null
                                ? "not run, " + p.operators().peerVersion()
                                : p.operators().peerVersion())
                .append(")\n");
        List<String> names = new ArrayList<>(operatorNames(replica, peer));
        names.sort(Comparator.comparingDouble((String n) -> -Math.max(
                        replica.get(n).selfMs(), peer == null ? 0 : peer.get(n).selfMs()))
                .thenComparing(Comparator.naturalOrder()));
        List<String> shown = names.subList(0, Math.min(OPERATOR_ROWS, names.size()));
        List<List<String>> rows = new ArrayList<>();
        for (String n : shown) {
            rows.add(operatorRow(n, replica.get(n), peer == null ? null : peer.get(n)));
        }
        if (shown.size() < names.size()) {
            rows.add(operatorRow(
                    "other operators (" + (names.size() - shown.size()) + ")",
                    rest(replica, shown),
                    peer == null ? null : rest(peer, shown)));
        }
        rows.add(operatorRow(
                "all operators",
                new OperatorProfile.Operator(count(replica), replica.operatorMs()),
                peer == null ? null : new OperatorProfile.Operator(count(peer), peer.operatorMs())));
        rows.add(operatorRow(
                "between operators (Java or Python, JNI, waits)",
                new OperatorProfile.Operator(0, replica.stepMs() - replica.operatorMs()),
                peer == null ? null : new OperatorProfile.Operator(0, peer.stepMs() - peer.operatorMs())));
        rows.add(operatorRow(
                "the step, profiled",
                new OperatorProfile.Operator(0, replica.stepMs()),
                peer == null ? null : new OperatorProfile.Operator(0, peer.stepMs())));
        rows.add(List.of(
                "minor page faults, profiler running (count)",
                "",
                fixed(replica.pageFaults(), 0),
                "",
                peer == null ? "-" : fixed(peer.pageFaults(), 0),
                peer == null || Double.isNaN(replica.pageFaults() - peer.pageFaults())
                        ? "-"
                        : String.format(Locale.ROOT, "%+.0f", replica.pageFaults() - peer.pageFaults())));
        table(
                b,
                List.of("operator", "Replica calls", "Replica ms", "PyTorch calls", "PyTorch ms", "Replica - PyTorch"),
                rows);
    }

    private static Set<String> operatorNames(OperatorProfile replica, OperatorProfile peer) {
        Set<String> names = new TreeSet<>(replica.operators().keySet());
        if (peer != null) {
            names.addAll(peer.operators().keySet());
        }
        return names;
    }

    private static OperatorProfile.Operator rest(OperatorProfile profile, List<String> shown) {
        double calls = 0;
        double ms = 0;
        for (Map.Entry<String, OperatorProfile.Operator> e : profile.operators().entrySet()) {
            if (!shown.contains(e.getKey())) {
                calls += e.getValue().calls();
                ms += e.getValue().selfMs();
            }
        }
        return new OperatorProfile.Operator(calls, ms);
    }

    private static double count(OperatorProfile profile) {
        return profile.operators().values().stream()
                .mapToDouble(OperatorProfile.Operator::calls)
                .sum();
    }

    private static List<String> operatorRow(
            String name, OperatorProfile.Operator replica, OperatorProfile.Operator peer) {
        return List.of(
                name,
                replica.calls() == 0 ? "" : fixed(replica.calls(), 1),
                fixed(replica.selfMs(), 2),
                peer == null || peer.calls() == 0 ? "" : fixed(peer.calls(), 1),
                peer == null ? "-" : fixed(peer.selfMs(), 2),
                peer == null ? "-" : String.format(Locale.ROOT, "%+.2f", replica.selfMs() - peer.selfMs()));
    }

    private List<List<String>> loopRows() {
        List<List<String>> rows = new ArrayList<>();
        for (LoopBenchmark.Result r : results) {
            rows.add(List.of(
                    // A layout other than the default changes the kernels: the row says which it measured.
                    EngineFacts.CONTIGUOUS.equals(r.memoryFormat()) ? r.engine() : r.engine() + ", " + r.memoryFormat(),
                    r.model(),
                    fixed(r.parameters() / 1e6, 2),
                    r.stepsPerRound() + " x " + r.replicaSeconds().length,
                    fixed(imagesPerSecond(r, r.replicaSeconds()), 1),
                    fixed(imagesPerSecond(r, r.bareSeconds()), 1),
                    ratioWithSpread(r.replicaSeconds(), r.bareSeconds(), 3),
                    fixed(imagesPerSecond(r, r.peerSeconds()), 1),
                    ratioWithSpread(r.replicaSeconds(), r.peerSeconds(), 2),
                    r.sameLosses() ? "yes (" + r.stepsCompared() + " steps)" : "NO"));
        }
        return rows;
    }

    private List<List<String>> aroundRows() {
        List<List<String>> rows = new ArrayList<>();
        for (LoopBenchmark.Result r : results) {
            rows.add(List.of(
                    r.engine(),
                    r.model(),
                    fixed(waitShare(r) * 100, 2) + "%",
                    fixed(r.pipelineImagesPerSecond(), 0),
                    fixed(r.evalImagesPerSecond(), 1),
                    fixed(r.startSeconds(), 2),
                    fixed(r.peakRssBytes() / 1e9, 2),
                    fixed(r.checkpointBytes() / 1e6, 1),
                    fixed(r.checkpointWriteSeconds(), 3),
                    fixed(r.checkpointLoadSeconds(), 3)));
        }
        return rows;
    }

    private static String fixed(double x, int digits) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", x);
    }

    private static void table(StringBuilder b, List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        line(b, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        line(b, rule, width);
        for (List<String> row : rows) {
            line(b, row, width);
        }
    }

    private static void line(StringBuilder b, List<String> cells, int[] width) {
        b.append("| ");
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            b.append(c < 2 ? cell + " ".repeat(width[c] - cell.length()) : " ".repeat(width[c] - cell.length()) + cell);
            b.append(c + 1 < cells.size() ? " | " : " |\n");
        }
    }

    /**
     * Writes the report: {@code bench.txt} (the printed text, a Markdown-compatible table), {@code
     * bench.csv} (one row per model and engine, every figure) and {@code bench.png} with its SVG.
     *
     * @param folder the folder
     * @throws IOException when writing fails
     */
    public void write(Path folder) throws IOException {
        SafeFiles.writeAtomically(folder.resolve("bench.txt"), text());
        SafeFiles.writeAtomically(folder.resolve("bench.csv"), csv());
        if (!profiles.isEmpty()) {
            SafeFiles.writeAtomically(folder.resolve("profile.csv"), profileCsv());
        }
        if (profiles.stream().anyMatch(p -> p.operators() != null)) {
            SafeFiles.writeAtomically(folder.resolve("operators.csv"), operatorCsv());
        }
        List<String> groups = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("Replica", new ArrayList<>());
        series.put("plain PyTorch", new ArrayList<>());
        for (LoopBenchmark.Result r : results) {
            groups.add(r.engine() + " " + r.model());
            // The table's estimator: the median of the rounds' ratios to the bare loop.
            series.get("Replica").add(speedRatio(r.replicaSeconds(), r.bareSeconds()));
            series.get("plain PyTorch")
                    .add(r.peerSeconds() == null ? Double.NaN : speedRatio(r.peerSeconds(), r.bareSeconds()));
        }
        Plots.bars(
                "Training speed relative to the bare DJL loop (1.0), " + cpu.model(),
                "images per second / bare DJL's",
                groups,
                series,
                folder.resolve("bench.png"));
    }

    /** The profiles' samples, one row per model and engine, one column per part. */
    String profileCsv() {
        List<String> header = new ArrayList<>(List.of("engine", "model", "event", "steps", "seconds", "samples"));
        header.addAll(StepProfile.PARTS);
        List<List<String>> rows = new ArrayList<>();
        for (StepProfile p : profiles) {
            List<String> row = new ArrayList<>(List.of(
                    p.engine(),
                    p.model(),
                    p.event(),
                    Integer.toString(p.steps()),
                    Double.toString(p.seconds()),
                    Long.toString(p.total())));
            for (String part : StepProfile.PARTS) {
                row.add(Long.toString(p.samples().get(part)));
            }
            rows.add(row);
        }
        return ModelFiles.csv(header, rows);
    }

    /** Every operator of every operator profile: calls and self milliseconds per step, Replica's and the peer's. */
    String operatorCsv() {
        List<List<String>> rows = new ArrayList<>();
        for (StepProfile p : profiles) {
            if (p.operators() == null) {
                continue;
            }
            OperatorProfile replica = p.operators().replica();
            OperatorProfile peer = p.operators().peer();
            for (String n : operatorNames(replica, peer)) {
                rows.add(List.of(
                        p.engine(),
                        p.model(),
                        n,
                        Double.toString(replica.get(n).calls()),
                        Double.toString(replica.get(n).selfMs()),
                        peer == null ? "" : Double.toString(peer.get(n).calls()),
                        peer == null ? "" : Double.toString(peer.get(n).selfMs())));
            }
        }
        return ModelFiles.csv(
                List.of("engine", "model", "operator", "replica_calls", "replica_ms", "peer_calls", "peer_ms"), rows);
    }

    String csv() {
        StringWriter out = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(
                out, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build())) {
            csv.printRecord(
                    "engine",
                    "model",
                    "plugin",
                    "isa",
                    "memory_format",
                    "threads",
                    "batch",
                    "parameters",
                    "steps_per_round",
                    "rounds",
                    "replica_img_s",
                    "bare_img_s",
                    "replica_over_bare",
                    "pytorch_img_s",
                    "replica_over_pytorch",
                    "same_losses",
                    "prefetch_wait_share",
                    "pipeline_img_s",
                    "eval_img_s",
                    "start_s",
                    "peak_rss_bytes",
                    "checkpoint_bytes",
                    "checkpoint_write_s",
                    "checkpoint_load_s",
                    "cpu");
            for (LoopBenchmark.Result r : results) {
                csv.printRecord(
                        r.engine(),
                        r.model(),
                        r.plugin(),
                        r.isa(),
                        r.memoryFormat(),
                        r.threads(),
                        r.batchSize(),
                        r.parameters(),
                        r.stepsPerRound(),
                        r.replicaSeconds().length,
                        imagesPerSecond(r, r.replicaSeconds()),
                        imagesPerSecond(r, r.bareSeconds()),
                        speedRatio(r.replicaSeconds(), r.bareSeconds()),
                        imagesPerSecond(r, r.peerSeconds()),
                        speedRatio(r.replicaSeconds(), r.peerSeconds()),
                        r.sameLosses(),
                        waitShare(r),
                        r.pipelineImagesPerSecond(),
                        r.evalImagesPerSecond(),
                        r.startSeconds(),
                        r.peakRssBytes(),
                        r.checkpointBytes(),
                        r.checkpointWriteSeconds(),
                        r.checkpointLoadSeconds(),
                        machine());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
