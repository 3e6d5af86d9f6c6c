package dev.replica.cli;

import com.google.gson.Gson;
import dev.replica.api.UserException;
import dev.replica.api.engine.CpuInfo;
import dev.replica.api.params.Params;
import dev.replica.bench.BenchReport;
import dev.replica.bench.Benchmark;
import dev.replica.bench.LoopBenchmark;
import dev.replica.bench.PythonPeer;
import dev.replica.bench.StepProfile;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.SafeFiles;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replica bench [FILE]}: how fast Replica trains, against a bare DJL loop and a plain PyTorch
 * loop in the same run, with the figures around the loop and a verdict on each target.
 */
@Command(
        name = "bench",
        description = "Measure training speed against a bare DJL loop and a plain PyTorch loop (interleaved, "
                + "in one run), the data pipeline, evaluation, start-up, memory and checkpoints; print the "
                + "verdicts on the targets.")
final class BenchCommand implements Callable<Integer> {

    static final String BUILT_IN = "bench.yaml";

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "FILE",
            description = "an experiment file whose models to measure (default: resnet18 at widths 8, 16, 64, "
                    + "vgg19bn at /8, /4 and full width, and the CIFAR ResNet-20 and -56, on CIFAR-10, batch 128)")
    Path file;

    @CommandLine.Mixin
    ReplicaCli.FileOptionsMixin options;

    @Option(
            names = "--engines",
            split = ",",
            paramLabel = "E,E",
            description = "the engines (default: every engine installed, by name)")
    List<String> engines;

    @Option(names = "--models", split = ",", paramLabel = "LABEL,...", description = "only these models of the file")
    List<String> models;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "8",
            description = "interleaved rounds of each loop; short rounds, many of them, cancel the machine's "
                    + "drift (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--round-seconds",
            paramLabel = "S",
            defaultValue = "1.5",
            description = "about how long one round of one loop trains, at least 2 steps (default: ${DEFAULT-VALUE})")
    double roundSeconds;

    @Option(names = "--no-peer", description = "leave out the plain PyTorch loop")
    boolean noPeer;

    @Option(
            names = "--isa-model",
            paramLabel = "LABEL",
            description = "the model whose determinism-pin cost is measured (default: resnet18-w16 when the file "
                    + "has it, else the first model); 'none' to leave it out")
    String isaModel;

    @Option(
            names = "--profile",
            arity = "0..1",
            fallbackValue = "20",
            paramLabel = "STEPS",
            description = "also profile STEPS steps (default 20) of each model and engine in a fresh process, "
                    + "with a sampling profiler of Java and native stacks: where a step's time goes")
    Integer profile;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "bench",
            description = "where the report's folder goes (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws IOException {
        PluginRegistry registry = parent.registry();
        ExperimentLoader loader = new ExperimentLoader(registry);
        Experiment experiment = file == null
                ? loader.read(BUILT_IN + " (built in)", builtIn(), options.overrides)
                : loader.load(file, options.overrides);
        List<String> labels = models == null ? List.copyOf(experiment.models().keySet()) : models;
        for (String label : labels) {
            if (!experiment.models().containsKey(label)) {
                throw new UserException("--models: no model '" + label + "' in " + (file == null ? BUILT_IN : file)
                        + "; its models: " + experiment.models().keySet());
            }
        }
        if (engines == null) {
            engines = List.copyOf(registry.all(PluginKind.ENGINE).keySet());
        }
        for (String engine : engines) {
            registry.get(PluginKind.ENGINE, engine); // an unknown engine is named, with those there are
        }
        if (rounds < 1) {
            throw new UserException("--rounds " + rounds + ": it must be 1 or more");
        }
        if (profile != null && (profile < 1 || profile > 10_000)) {
            throw new UserException("--profile " + profile + ": it must be 1 to 10000 steps");
        }
        if (!(roundSeconds > 0)) {
            throw new UserException("--round-seconds " + roundSeconds + ": it must be above 0");
        }
        LoopBenchmark.requireComparable(experiment, file == null ? BUILT_IN : file.toString());
        String pinned = isaModel == null
                ? (labels.contains("resnet18-w16") ? "resnet18-w16" : labels.get(0))
                : isaModel.equals("none") ? null : isaModel;
        if (pinned != null && !experiment.models().containsKey(pinned)) {
            throw new UserException("--isa-model: no model '" + pinned + "' in the file; its models: "
                    + experiment.models().keySet());
        }
        Path folder = out.resolve(
                experiment.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(folder);
        Path resolved = folder.resolve(RunFolder.EXPERIMENT).toAbsolutePath();
        // The measured models only: each worker's determinism probe trains every model of its file.
        Set<String> kept = new LinkedHashSet<>(labels);
        if (pinned != null) {
            kept.add(pinned);
        }
        ExperimentWriter.write(experiment.withModels(kept), resolved);
        Params sgd = experiment.optimizer().params();
        int threads = experiment.engine().params().getInt("threads");
        PythonPeer.Command peer = noPeer
                ? new PythonPeer.Command(null, null, "left out (--no-peer)", threads, null, null)
                : PythonPeer.Command.find(
                        home(),
                        threads,
                        new double[] {sgd.getDouble("lr"), sgd.getDouble("momentum"), sgd.getDouble("weight_decay")},
                        cifar10(experiment, parent.env()));
        CpuInfo cpu = CpuInfo.current();
        parent.out()
                .println("replica bench: " + labels.size() + " models x " + engines.size() + " engines, " + rounds
                        + " rounds of about " + roundSeconds + " s per loop; " + cpu.model());
        Benchmark.Measured measured = new Benchmark(parent.out())
                .run(
                        new Benchmark.Plan(
                                resolved,
                                engines,
                                labels,
                                rounds,
                                roundSeconds,
                                peer,
                                pinned,
                                parent.pluginsFolder(),
                                profile == null ? 0 : profile),
                        folder);
        BenchReport report = new BenchReport(
                cpu,
                measured.results(),
                measured.isaCosts(),
                peer.script() == null ? peer.missing() : peerVersion(measured),
                measured.profiles());
        parent.out().println();
        parent.out().print(report.text());
        report.write(folder);
        parent.out().println("Wrote " + folder);
        return 0;
    }

    private static String peerVersion(Benchmark.Measured measured) {
        return measured.results().stream()
                .map(LoopBenchmark.Result::peer)
                .filter(p -> !p.isBlank())
                .findFirst()
                .orElse("");
    }

    private static String builtIn() throws IOException {
        try (InputStream in = LoopBenchmark.class.getResourceAsStream(BUILT_IN)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The CIFAR-10 folder the PyTorch peer reads its batches from, when the file trains on CIFAR-10. */
    static Path cifar10(Experiment experiment, Map<String, String> env) {
        if (!experiment.dataset().plugin().equals("cifar10")) {
            return null;
        }
        Object root = experiment.dataset().params().asMap().get("root");
        if (root != null && !root.toString().isBlank()) {
            return Path.of(root.toString());
        }
        return Environment.from(env).dataRoot().resolve("cifar10");
    }

    /** The checkout this build runs from, where {@code tools/pytorch} is. */
    private static Path home() {
        try {
            Path code = Path.of(BenchCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            // cli/target/replica-cli.jar or cli/target/classes
            Path checkout = code.getParent().getParent().getParent();
            return checkout == null ? Path.of("") : checkout;
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("");
        }
    }

    /** {@code replica bench-worker}: one model on one engine, in the fresh process the benchmark started. */
    @Command(
            name = "bench-worker",
            hidden = true,
            description = "One model on one engine, in a fresh process; started by bench, not by hand.")
    static final class Worker implements Callable<Integer> {

        @CommandLine.ParentCommand
        ReplicaCli parent;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @CommandLine.Mixin
        ReplicaCli.FileOptionsMixin options;

        @Option(names = "--model", required = true)
        String model;

        @Option(names = "--rounds", defaultValue = "3")
        int rounds;

        @Option(names = "--round-seconds", defaultValue = "8")
        double roundSeconds;

        @Option(names = "--scratch", required = true)
        Path scratch;

        @Option(names = "--replica-only")
        boolean replicaOnly;

        @Option(names = "--profile-steps", defaultValue = "0")
        int profileSteps;

        @Option(names = "--profile-stacks")
        Path profileStacks;

        @Option(names = "--peer-python")
        String peerPython;

        @Option(names = "--peer-script")
        Path peerScript;

        @Override
        public Integer call() throws IOException {
            PluginRegistry registry = parent.registry();
            Experiment experiment = new ExperimentLoader(registry).load(file, options.overrides);
            RunAssembly assembly = parent.injector(registry).getInstance(RunAssembly.class);
            Params sgd = experiment.optimizer().params();
            PythonPeer.Command peer = peerScript == null
                    ? null
                    : new PythonPeer.Command(
                            peerPython,
                            peerScript,
                            null,
                            experiment.engine().params().getInt("threads"),
                            new double[] {sgd.getDouble("lr"), sgd.getDouble("momentum"), sgd.getDouble("weight_decay")
                            },
                            cifar10(experiment, parent.env()));
            Path dir = Files.createTempDirectory(Files.createDirectories(scratch), "worker");
            try {
                LoopBenchmark bench = new LoopBenchmark(assembly, registry);
                if (profileSteps > 0) {
                    StepProfile p = bench.profile(experiment, model, profileSteps, profileStacks, peer, dir);
                    parent.out().println(Benchmark.PROFILE + new Gson().toJson(p));
                } else {
                    LoopBenchmark.Result r =
                            bench.measure(experiment, model, rounds, roundSeconds, peer, dir, replicaOnly);
                    parent.out().println(Benchmark.RESULT + LoopBenchmark.toJson(r));
                }
            } finally {
                SafeFiles.deleteTree(dir);
            }
            return 0;
        }
    }
}
