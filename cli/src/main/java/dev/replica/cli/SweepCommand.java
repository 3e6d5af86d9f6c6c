package dev.replica.cli;

import dev.replica.api.UserException;
import dev.replica.api.params.Params;
import dev.replica.core.state.SafeFiles;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import dev.replica.runner.sweep.LocalRunner;
import dev.replica.runner.sweep.SeedList;
import dev.replica.runner.sweep.SlurmJob;
import dev.replica.runner.sweep.StudyTable;
import dev.replica.runner.sweep.Sweep;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code replica sweep}: a study as one run per model, engine and seed, run here N at a time or submitted
 * to Slurm as one job array; then its status, and the study table gathered over seeds.
 */
@Command(
        name = "sweep",
        description = "Run a study as one run per model, engine and seed: here (--local N) or as a Slurm job array "
                + "(--slurm); then --status DIR and --gather DIR.")
final class SweepCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "the experiment file (YAML)")
    Path file;

    @CommandLine.Mixin
    ReplicaCli.FileOptionsMixin options;

    @Option(names = "--seeds", paramLabel = "SEEDS", description = "e.g. 0-4 or 0,2,7 (default: the file's seeds)")
    String seeds;

    @Option(
            names = "--engines",
            split = ",",
            paramLabel = "ENGINE,...",
            description = "e.g. pytorch,mxnet (default: the file's engine)")
    List<String> engines;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs", description = "where sweep folders go")
    Path out;

    @Option(names = "--local", paramLabel = "N", description = "run here, N at a time (the default, with N = 1)")
    Integer local;

    @Option(names = "--slurm", description = "submit one Slurm job array and print its id")
    boolean slurm;

    @Option(names = "--partition", paramLabel = "NAME", description = "Slurm partition (cluster.partition)")
    String partition;

    @Option(names = "--time", paramLabel = "LIMIT", description = "time limit per run, e.g. 36:00:00 (cluster.time)")
    String time;

    @Option(names = "--cpus", paramLabel = "N", description = "CPUs per run (cluster.cpus)")
    Integer cpus;

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory per run, e.g. 8G (cluster.memory)")
    String memory;

    @Option(names = "--gpus", paramLabel = "N", description = "GPUs per run (cluster.gpus)")
    Integer gpus;

    @Option(names = "--status", paramLabel = "DIR", description = "where each run of a sweep is")
    Path status;

    @Option(names = "--gather", paramLabel = "DIR", description = "the study table of a finished sweep")
    Path gather;

    @Option(
            names = "--resubmit-failed",
            paramLabel = "DIR",
            description = "run again the runs of a sweep that stopped or failed; each resumes from its checkpoint")
    Path resubmit;

    @Override
    public Integer call() throws IOException, InterruptedException {
        int modes = (file != null ? 1 : 0)
                + (status != null ? 1 : 0)
                + (gather != null ? 1 : 0)
                + (resubmit != null ? 1 : 0);
        if (modes != 1) {
            throw new UserException(
                    "sweep needs exactly one of FILE, --status DIR, --gather DIR or --resubmit-failed DIR");
        }
        if (slurm && local != null) {
            throw new UserException("--slurm and --local cannot be combined; choose where the runs go");
        }
        PrintStream say = parent.out();
        if (status != null) {
            printStatus(Sweep.open(status), say);
            return 0;
        }
        if (gather != null) {
            Sweep sweep = Sweep.open(gather);
            StudyTable table = StudyTable.gather(sweep);
            SafeFiles.writeAtomically(sweep.dir().resolve("study.md"), table.markdown());
            SafeFiles.writeAtomically(sweep.dir().resolve("study.csv"), table.csv());
            say.print(table.markdown());
            say.println();
            say.println("Wrote " + sweep.dir().resolve("study.md") + " and study.csv");
            return 0;
        }
        PluginRegistry registry = parent.registry();
        Sweep sweep;
        Params cluster;
        if (resubmit != null) {
            sweep = Sweep.open(resubmit);
            cluster = validCluster(sweep.cluster());
        } else {
            ExperimentLoader.Study study = new ExperimentLoader(registry).loadStudy(file, options.overrides);
            Experiment base = study.experiment();
            cluster = study.cluster();
            if (slurm) {
                // Before any folder is made: the flags and the sweep folder's path go into the job script.
                withFlags(cluster);
                SlurmJob.directive("output", out.toAbsolutePath().toString());
                SlurmJob.directive("chdir", Path.of("").toAbsolutePath().toString());
            }
            List<Long> seedList = seeds == null ? base.seeds() : SeedList.parse(seeds);
            List<String> engineList = engines == null ? List.of(base.engine().plugin()) : engines;
            for (String e : engineList) {
                registry.get(PluginKind.ENGINE, e); // an unknown engine gets the registry's message
            }
            sweep = Sweep.plan(base, seedList, engineList, cluster.asMap(), out);
            say.println("Sweep folder " + sweep.dir() + ": " + sweep.tasks().size() + " runs ("
                    + base.models().size() + " models x " + engineList.size() + " engines x " + seedList.size()
                    + " seeds)");
        }
        // A resubmission runs what stopped or failed; runs still pending may be queued by an earlier
        // array, so they go again only when no job was ever submitted (a local sweep cut short).
        boolean queued = resubmit != null && !SlurmJob.jobs(sweep).isEmpty();
        List<Sweep.Task> todo = new ArrayList<>();
        for (Sweep.Task t : sweep.tasks()) {
            Sweep.State s = sweep.state(t);
            if (s == Sweep.State.STOPPED || s == Sweep.State.FAILED || s == Sweep.State.PENDING && !queued) {
                todo.add(t);
            }
        }
        if (todo.isEmpty()) {
            say.println("Every run of " + sweep.dir() + " has finished or is running; nothing to run");
            return 0;
        }
        if (slurm) {
            Path script = SlurmJob.write(sweep, todo, withFlags(cluster), parent.pluginsFolder());
            String id = SlurmJob.submit(sweep, script, parent.env());
            say.println("Submitted job array " + id + " (" + todo.size() + " runs): " + script);
            say.println("Follow it with: replica sweep --status " + sweep.dir());
            say.println("When it is done: replica sweep --gather " + sweep.dir());
            return 0;
        }
        int failed = LocalRunner.run(sweep, local == null ? 1 : local, parent.env(), parent.pluginsFolder(), say);
        if (failed > 0) {
            throw new UserException(failed + " runs of " + sweep.dir() + " failed (their logs are in "
                    + sweep.dir().resolve("logs") + "); continue them with: replica sweep --resubmit-failed "
                    + sweep.dir() + " --local N");
        }
        StudyTable table = StudyTable.gather(sweep);
        SafeFiles.writeAtomically(sweep.dir().resolve("study.md"), table.markdown());
        SafeFiles.writeAtomically(sweep.dir().resolve("study.csv"), table.csv());
        say.println();
        say.print(table.markdown());
        say.println();
        say.println("Wrote " + sweep.dir());
        return 0;
    }

    private static Params validCluster(Map<String, Object> values) {
        var v = ExperimentLoader.clusterSchema().validate(values);
        if (!v.problems().isEmpty()) {
            List<String> lines = new ArrayList<>();
            v.problems().forEach(p -> lines.add("cluster." + p.key() + ": " + p.message()));
            throw new UserException("the cluster resources are not valid (--partition, --time, --cpus, --memory "
                    + "and --gpus set them too): " + String.join("; ", lines));
        }
        return v.params();
    }

    private Params withFlags(Params cluster) {
        Map<String, Object> values = new LinkedHashMap<>(cluster.asMap());
        if (partition != null) {
            values.put("partition", partition);
        }
        if (time != null) {
            values.put("time", time);
        }
        if (cpus != null) {
            values.put("cpus", cpus);
        }
        if (memory != null) {
            values.put("memory", memory);
        }
        if (gpus != null) {
            values.put("gpus", gpus);
        }
        return validCluster(values);
    }

    private static void printStatus(Sweep sweep, PrintStream say) {
        Map<Sweep.State, Integer> counts = new LinkedHashMap<>();
        say.println("| run | model | engine | seed | state | exit |");
        say.println("|---|---|---|---:|---|---:|");
        for (Sweep.Task t : sweep.tasks()) {
            Sweep.State s = sweep.state(t);
            counts.merge(s, 1, Integer::sum);
            say.println("| " + t.index() + " | " + t.model() + " | " + t.engine() + " | " + t.seed() + " | "
                    + s.name().toLowerCase(Locale.ROOT) + " | "
                    + sweep.exitStatus(t).map(String::valueOf).orElse("") + " |");
        }
        List<String> summary = new ArrayList<>();
        counts.forEach((s, n) -> summary.add(n + " " + s.name().toLowerCase(Locale.ROOT)));
        say.println();
        say.println(String.join(", ", summary) + " of " + sweep.tasks().size() + " runs"
                + (SlurmJob.jobs(sweep).isEmpty() ? "" : "; Slurm jobs " + String.join(", ", SlurmJob.jobs(sweep))));
        if (Files.isRegularFile(sweep.dir().resolve("study.md"))) {
            say.println("Study table: " + sweep.dir().resolve("study.md"));
        }
    }
}
