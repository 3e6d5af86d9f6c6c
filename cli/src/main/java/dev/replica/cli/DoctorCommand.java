package dev.replica.cli;

import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.Plugin;
import dev.replica.api.UserException;
import dev.replica.api.engine.CpuInfo;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.ProbeWorkload;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replica doctor}: proves whether each engine computes bit-identical results in two fresh
 * processes on this machine, with the settings an experiment (or the defaults) would use, and prints
 * the native settings that the engine pins.
 */
@Command(
        name = "doctor",
        description =
                "Check that each engine gives bit-identical results on this machine "
                        + "(two fresh processes train the first steps of a file's models, or a small network), and show the native settings it pins.")
final class DoctorCommand implements Callable<Integer> {

    /** Exit status when some engine is not bit-identical here with any setting tried. */
    static final int NOT_REPRODUCIBLE = 4;

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "FILE",
            description = "an experiment file: probe its engine with its settings (default: every engine, defaults)")
    Path file;

    @CommandLine.Mixin
    ReplicaCli.FileOptionsMixin options;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "probe at N threads instead of the file's or the default")
    Integer threads;

    @Option(names = "--fresh", description = "probe again, ignoring verdicts kept for this machine")
    boolean fresh;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry registry = parent.registry();
        Map<String, Map<String, Object>> engines = new LinkedHashMap<>();
        ProbeWorkload workload = null;
        if (file != null) {
            Experiment experiment = new ExperimentLoader(registry).load(file, options.overrides);
            // The experiment's own models are what its runs will run: prove those.
            workload = new RunAssembly(registry, Environment.from(parent.env())).probeWorkload(experiment);
            engines.put(
                    experiment.engine().plugin(),
                    new HashMap<>(experiment.engine().params().asMap()));
        } else {
            for (String name : registry.all(PluginKind.ENGINE).keySet()) {
                engines.put(name, new HashMap<>());
            }
        }
        CpuInfo cpu = CpuInfo.current();
        out.println("Machine: " + cpu.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        out.println("Instruction sets: " + cpu.vectorFlags());
        String preload = System.getenv("LD_PRELOAD");
        out.println("Allocator: " + (preload == null || preload.isBlank() ? "system malloc (no LD_PRELOAD)" : preload));
        EngineContext context = EngineContext.from(parent.env()).withWorkload(workload);
        if (fresh) {
            context = context.probingAgain();
        }
        out.println("Verdicts kept in: " + context.verdictCache());
        boolean all = true;
        for (Map.Entry<String, Map<String, Object>> e : engines.entrySet()) {
            EnginePlugin plugin = registry.engine(e.getKey());
            Map<String, Object> raw = e.getValue();
            if (threads != null && plugin.schema().spec("threads").isPresent()) {
                raw.put("threads", threads);
            }
            if (plugin.schema().spec("determinism").isPresent()) {
                raw.put("determinism", "relaxed"); // report a failure here instead of stopping
            }
            Params params = validate(plugin, raw);
            out.println();
            out.flush();
            try (EngineSession session = plugin.open(params, context)) {
                DeterminismVerdict verdict = session.determinism();
                all &= verdict.bitIdentical();
                out.println(verdict.summary());
                for (DeterminismVerdict.Trial t : verdict.trials()) {
                    out.printf(
                            Locale.ROOT,
                            "  %s  [%s, %.1f s]%n",
                            t.describe(),
                            t.cached() ? "kept from an earlier probe" : "probed now",
                            t.seconds());
                }
                List<String> settings = new ArrayList<>();
                session.describe().forEach((k, v) -> {
                    if (k.startsWith(EngineFacts.NATIVE)) {
                        settings.add(k.substring(EngineFacts.NATIVE.length()) + "=" + v);
                    }
                });
                out.println("  native settings: " + String.join(", ", settings));
            }
        }
        out.println();
        out.println(
                all
                        ? "Every engine probed is bit-identical across processes here."
                        : "Some engine is not bit-identical across processes here: runs stop unless engine.determinism is "
                                + "relaxed. Try engine.threads: 1, or another engine.isa.");
        out.flush();
        return all ? 0 : NOT_REPRODUCIBLE;
    }

    private static Params validate(Plugin plugin, Map<String, Object> raw) {
        ParameterSchema.Validation v = plugin.schema().validate(raw);
        if (!v.problems().isEmpty()) {
            List<String> problems = new ArrayList<>();
            v.problems().forEach(p -> problems.add(p.key() + ": " + p.message()));
            throw new UserException("engine '" + plugin.name() + "': " + String.join("; ", problems));
        }
        return v.params();
    }
}
