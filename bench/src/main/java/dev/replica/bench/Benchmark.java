package dev.replica.bench;

import com.google.gson.Gson;
import dev.replica.api.UserException;
import dev.replica.core.state.SafeFiles;
import dev.replica.runner.ThisJava;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@code replica bench}: one fresh process per model and engine ({@link LoopBenchmark} in each),
 * then the determinism pin's cost in alternating fresh processes, and gathers what they found.
 */
public final class Benchmark {

    private static final Gson GSON = new Gson();

    /** The exit status of a user error, as the command line gives it (ReplicaCli.USER_ERROR). */
    private static final int USER_ERROR = 2;

    /** Marks the worker's result line on its standard output. */
    public static final String RESULT = "BENCH ";

    /** Marks a profiling worker's result line. */
    public static final String PROFILE = "BENCH-PROFILE ";

    /**
     * What to measure.
     *
     * @param file the resolved experiment, written in the output folder
     * @param engines the engines
     * @param models the model labels
     * @param rounds interleaved rounds
     * @param roundSeconds about how long a round of one loop trains
     * @param peer the PyTorch peer, or one that says why it cannot run
     * @param isaModel the model whose pin cost is measured, or {@code null} for none
     * @param plugins the plugins folder, or {@code null}
     * @param profileSteps steps of each model to profile in a process of their own, or 0 for none
     */
    public record Plan(
            Path file,
            List<String> engines,
            List<String> models,
            int rounds,
            double roundSeconds,
            PythonPeer.Command peer,
            String isaModel,
            Path plugins,
            int profileSteps) {}

    private final PrintStream out;

    /**
     * Creates the benchmark.
     *
     * @param out where progress is printed
     */
    public Benchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Measures every model on every engine, then the pin's cost.
     *
     * @param plan what to measure
     * @param folder the output folder, for the workers' logs and scratch files
     * @return the results and the pin's costs
     * @throws IOException when a worker cannot start
     */
    public Measured run(Plan plan, Path folder) throws IOException {
        List<LoopBenchmark.Result> results = new ArrayList<>();
        List<StepProfile> profiles = new ArrayList<>();
        for (String engine : plan.engines()) {
            for (String model : plan.models()) {
                List<String> args = workerArgs(plan, engine, model, plan.rounds(), false, folder);
                args.addAll(peerArgs(plan));
                LoopBenchmark.Result r = worker(plan, args, folder.resolve("logs/" + engine + "-" + model + ".log"));
                results.add(r);
                out.printf(
                        Locale.ROOT,
                        "%s %s: Replica %.1f img/s, bare DJL %.1f (Replica/bare %.3f)%s; start %.2f s%n",
                        engine,
                        model,
                        BenchReport.imagesPerSecond(r, r.replicaSeconds()),
                        BenchReport.imagesPerSecond(r, r.bareSeconds()),
                        BenchReport.speedRatio(r.replicaSeconds(), r.bareSeconds()),
                        r.peerSeconds() == null
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        ", PyTorch %.1f (Replica/PyTorch %.2f)",
                                        BenchReport.imagesPerSecond(r, r.peerSeconds()),
                                        BenchReport.speedRatio(r.replicaSeconds(), r.peerSeconds())),
                        r.startSeconds());
                if (plan.profileSteps() > 0) {
                    List<String> profiling = workerArgs(plan, engine, model, 1, false, folder);
                    profiling.addAll(peerArgs(plan));
                    Path stacks = folder.resolve("profiles").resolve(engine + "-" + model + ".collapsed");
                    Files.createDirectories(stacks.getParent());
                    profiling.addAll(List.of(
                            "--profile-steps",
                            Integer.toString(plan.profileSteps()),
                            "--profile-stacks",
                            stacks.toString()));
                    String json = workerJson(
                            plan, profiling, folder.resolve("logs/" + engine + "-" + model + "-profile.log"), PROFILE);
                    StepProfile p = GSON.fromJson(json, StepProfile.class);
                    if (p.operators() != null
                            && p.operators().peer() == null
                            && plan.peer().missing() != null) {
                        // The worker knows only that it was given no peer; the plan knows why.
                        p = p.withOperators(new StepProfile.Operators(
                                p.operators().replica(), null, plan.peer().missing()));
                    }
                    profiles.add(p);
                    out.printf(
                            Locale.ROOT,
                            "%s %s profiled: %d steps, %d samples (%s)%n",
                            engine,
                            model,
                            p.steps(),
                            p.total(),
                            p.event());
                }
            }
        }
        List<BenchReport.IsaCost> costs = new ArrayList<>();
        if (plan.isaModel() != null) {
            for (String engine : plan.engines()) {
                double[] nativeIps = new double[plan.rounds()];
                double[] avx2Ips = new double[plan.rounds()];
                for (int r = 0; r < plan.rounds(); r++) {
                    for (String isa : r % 2 == 0 ? List.of("native", "avx2") : List.of("avx2", "native")) {
                        List<String> args = workerArgs(plan, engine, plan.isaModel(), 1, true, folder);
                        args.addAll(List.of("--set", "engine.isa=" + isa, "--set", "engine.determinism=relaxed"));
                        LoopBenchmark.Result x;
                        try {
                            x = worker(
                                    plan,
                                    args,
                                    folder.resolve("logs/" + engine + "-" + plan.isaModel() + "-" + isa + ".log"));
                        } catch (NotFinite e) {
                            if (!isa.equals("native")) {
                                throw e;
                            }
                            // Native kernels that give NaN here (an AMD Zen 5): nothing to time, and said so.
                            out.printf(
                                    Locale.ROOT,
                                    "%s %s: native training was not finite here%n",
                                    engine,
                                    plan.isaModel());
                            nativeIps[r] = Double.NaN;
                            continue;
                        }
                        double ips = BenchReport.imagesPerSecond(x, x.replicaSeconds());
                        (isa.equals("native") ? nativeIps : avx2Ips)[r] = ips;
                    }
                }
                BenchReport.IsaCost cost = new BenchReport.IsaCost(engine, plan.isaModel(), nativeIps, avx2Ips);
                costs.add(cost);
                out.printf(
                        Locale.ROOT,
                        "%s %s: native %.1f img/s, isa avx2 %.1f img/s (avx2/native %.3f)%n",
                        engine,
                        plan.isaModel(),
                        BenchReport.median(nativeIps),
                        BenchReport.median(avx2Ips),
                        cost.ratio());
            }
        }
        return new Measured(results, costs, profiles);
    }

    /**
     * What the workers found.
     *
     * @param results one per model and engine
     * @param isaCosts the pin's cost per engine
     * @param profiles where the steps' time went, per model and engine (empty without --profile)
     */
    public record Measured(
            List<LoopBenchmark.Result> results, List<BenchReport.IsaCost> isaCosts, List<StepProfile> profiles) {}

    private static List<String> workerArgs(
            Plan plan, String engine, String model, int rounds, boolean replicaOnly, Path folder) {
        List<String> args = new ArrayList<>(List.of(
                "bench-worker",
                plan.file().toString(),
                "--set",
                "engine.plugin=" + engine,
                "--model",
                model,
                "--rounds",
                Integer.toString(rounds),
                "--round-seconds",
                Double.toString(plan.roundSeconds()),
                "--scratch",
                folder.resolve("scratch").toString()));
        if (replicaOnly) {
            args.add("--replica-only");
        }
        return args;
    }

    /** The worker's arguments that start the plain PyTorch loop, where there is one. */
    private static List<String> peerArgs(Plan plan) {
        return plan.peer().script() == null
                ? List.of()
                : List.of(
                        "--peer-python",
                        plan.peer().python(),
                        "--peer-script",
                        plan.peer().script().toString());
    }

    /** Runs a worker in a fresh JVM and reads its result; its standard error goes to a log. */
    private LoopBenchmark.Result worker(Plan plan, List<String> args, Path log) throws IOException {
        return LoopBenchmark.fromJson(workerJson(plan, args, log, RESULT));
    }

    /** Runs a worker in a fresh JVM and returns the JSON on its line that starts with {@code mark}. */
    private String workerJson(Plan plan, List<String> args, Path log, String mark) throws IOException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(ThisJava.replica(plan.plugins(), args))
                .redirectError(log.toFile())
                .start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UserException("bench interrupted");
        }
        for (String line : stdout.split("\n")) {
            if (line.startsWith(mark)) {
                String json = line.substring(mark.length());
                // Kept as it comes, so a later failure loses no measurement.
                Path kept = log.getParent()
                        .resolveSibling("results")
                        .resolve(log.getFileName().toString().replace(".log", ".json"));
                Files.createDirectories(kept.getParent());
                SafeFiles.writeAtomically(kept, json + "\n");
                return json;
            }
        }
        List<String> tail = Files.readAllLines(log, StandardCharsets.UTF_8);
        if (status == USER_ERROR) {
            // The worker's own message (missing data, say) is the user's, without the worker around it.
            for (int i = tail.size() - 1; i >= 0; i--) {
                if (tail.get(i).startsWith("replica: ")) {
                    throw new UserException(tail.get(i).substring("replica: ".length()));
                }
            }
        }
        String failed = "the benchmark of " + String.join(" ", args.subList(1, args.size()))
                + " failed (exit " + status + "); its log " + log + " ends:\n  "
                + String.join("\n  ", tail.subList(Math.max(0, tail.size() - 12), tail.size()));
        if (status == NON_FINITE_LOSS) {
            throw new NotFinite(failed);
        }
        throw new UserException("the benchmark of " + String.join(" ", args.subList(1, args.size()))
                + " failed (exit " + status + "); its log " + log + " ends:\n  "
                + String.join("\n  ", tail.subList(Math.max(0, tail.size() - 12), tail.size()))
                + (stdout.isBlank() ? "" : "\nand it printed:\n" + stdout.strip()));
    }

    /** The exit status of a run whose loss or gradient was not finite (the CLI's). */
    private static final int NON_FINITE_LOSS = 5;

    /** A worker whose training was not finite: the setting it ran with gives NaN on this machine. */
    private static final class NotFinite extends UserException {
        private static final long serialVersionUID = 1L;

        NotFinite(String message) {
            super(message);
        }
    }
}
