package dev.replica.cli;

import dev.replica.api.EngineSession;
import dev.replica.api.Plugin;
import dev.replica.core.record.EnvironmentFacts;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.report.RecordedData;
import dev.replica.report.Reproduction;
import dev.replica.runner.Environment;
import dev.replica.runner.ExperimentRunner;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replica reproduce RUN_DIR}: runs a finished run's {@code experiment.yaml} again into a new run
 * folder and says whether it came out identical (every {@code history.csv} byte-equal, the manifests'
 * {@code weights.sha256} equal). Warns first where this machine, the engine or the plugins differ from
 * what the run recorded. Exits 0 when identical, {@value #NOT_IDENTICAL} when not.
 */
@Command(
        name = "reproduce",
        description = "Rerun a finished run from its folder into a new run folder and say whether it came out "
                + "identical (exit 0) or not (exit " + ReproduceCommand.NOT_IDENTICAL + ").")
final class ReproduceCommand implements Callable<Integer> {

    /** Exit status when the reproduction differs from the recorded run. */
    static final int NOT_IDENTICAL = 4;

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a finished run folder")
    Path folder;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "where the new run folder goes (default: beside the run's own, i.e. RUN_DIR/../..)")
    Path out;

    @Override
    public Integer call() throws IOException {
        RunContents.read(folder);
        try (RunLock held = RunLock.shared(folder, "reproduce")) {
            return reproduce();
        }
    }

    private Integer reproduce() throws IOException {
        RunContents original = RunContents.read(folder);
        Reproduction.requireFinished(original);
        PluginRegistry registry = parent.registry();
        Path saved = folder.resolve(RunFolder.EXPERIMENT);
        Experiment experiment = new ExperimentLoader(registry).load(saved, List.of());
        PrintWriter text = spec.commandLine().getOut();

        // The data first: the engine's probe trains the run's models on it.
        // At the instruction set the run trained at, when this machine still proves it: the same kernels.
        Environment environment = environment(original, text).trainedLike(folder);
        List<String> differences = Reproduction.machineDifferences(
                original.record(),
                EnvironmentFacts.current(),
                engineNow(parent.injector(registry, environment).getInstance(RunAssembly.class), experiment),
                pluginVersions(registry, original),
                RunAssembly.replicaVersion());
        for (String d : differences) {
            text.println("warning: " + d);
        }
        if (!differences.isEmpty()) {
            text.println("warning: this machine, engine or plugins differ from the recorded run in the "
                    + differences.size() + " ways above; the results may differ for that reason alone");
        }
        String resolved = ExperimentWriter.toYaml(experiment);
        if (!resolved.equals(Files.readString(saved, StandardCharsets.UTF_8))) {
            text.println("warning: " + saved + " resolves differently today (defaults or the file format changed); "
                    + "the new run uses the file as resolved today");
        }
        // A run folder is <out>/<name>/<stamp>: the new run goes beside it unless --out says otherwise.
        Path name = folder.toAbsolutePath().normalize().getParent();
        Path root = out != null ? out : name != null && name.getParent() != null ? name.getParent() : Path.of("runs");
        RunFolder target = experiment.startFolder(root);
        text.println("Reproducing " + folder + " in run folder " + target.path());
        text.flush();

        // As run trains: under the new folder's lock, and a stop leaves a checkpoint to resume from.
        return ReplicaCli.Run.train(
                parent,
                parent.injector(registry, environment).getInstance(ExperimentRunner.class),
                experiment,
                target,
                "reproduce",
                true,
                finished -> compare(
                        original,
                        target,
                        differences,
                        text,
                        parent.injector(registry, environment).getInstance(RunAssembly.class),
                        experiment));
    }

    /** Says whether the reproduction came out identical: the exit status. */
    private int compare(
            RunContents original,
            RunFolder target,
            List<String> differences,
            PrintWriter text,
            RunAssembly assembly,
            Experiment experiment)
            throws IOException {
        Reproduction.Verdict verdict = Reproduction.compare(original, RunContents.read(target.path()));
        text.println();
        for (String line : verdict.lines()) {
            text.println("  " + line);
        }
        if (verdict.identical()) {
            text.println("Identical: every history.csv is byte-equal and " + Reproduction.WEIGHTS + " is equal ("
                    + target.path() + ").");
        } else {
            text.println("Not identical: " + target.path() + " differs from " + folder
                    + (differences.isEmpty()
                            ? "."
                            : "; see the warnings above for differences of machine or versions."));
            if (differences.isEmpty()) {
                withdraw(assembly, experiment, folder, text);
            }
        }
        text.flush();
        return verdict.identical() ? 0 : NOT_IDENTICAL;
    }

    /**
     * A rerun on the same machine and versions that differs disproves the verdict both runs trusted: it is
     * withdrawn, so that the next run probes again instead of claiming bit-identity.
     */
    private static void withdraw(RunAssembly assembly, Experiment experiment, Path folder, PrintWriter text) {
        try (EngineSession session = assembly.openEngine(experiment)) {
            if (session.determinism().bitIdentical()) {
                session.withdrawVerdict("'replica reproduce " + folder + "' came out different");
                text.println("The determinism verdict this run trusted ("
                        + session.determinism().summary() + ") was withdrawn: the next run probes again.");
            }
        }
    }

    /**
     * Where the data comes from: $REPLICA_DATA when set, else the folder the run recorded while its files
     * still have their recorded md5s, else where a run looks (which may download).
     */
    private Environment environment(RunContents original, PrintWriter text) {
        String set = parent.env().get("REPLICA_DATA");
        if (set != null && !set.isBlank()) {
            return Environment.from(parent.env());
        }
        Map<String, String> env = new HashMap<>(parent.env());
        RecordedData.look(original.record()).ifPresent(found -> {
            text.println(found.message());
            found.dataRoot().ifPresent(root -> env.put("REPLICA_DATA", root.toString()));
        });
        return Environment.from(env);
    }

    /** The engine as this process would run it, described as the manifest recorded it. */
    private static Map<String, String> engineNow(RunAssembly assembly, Experiment experiment) {
        try (EngineSession session = assembly.openEngine(experiment)) {
            return assembly.describeEngine(session, experiment.engine());
        }
    }

    /** This process's version of each plugin the run recorded, keyed as the manifest keys them. */
    private static Map<String, String> pluginVersions(PluginRegistry registry, RunContents original) {
        Map<String, String> versions = new TreeMap<>();
        for (String key : original.record().plugins().keySet()) {
            int dot = key.indexOf('.');
            for (PluginKind kind : PluginKind.values()) {
                if (dot > 0
                        && kind.word().equals(key.substring(0, dot))
                        && registry.has(kind, key.substring(dot + 1))) {
                    Plugin p = registry.get(kind, key.substring(dot + 1));
                    versions.put(key, p.version());
                }
            }
        }
        return versions;
    }
}
