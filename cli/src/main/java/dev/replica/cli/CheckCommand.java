package dev.replica.cli;

import dev.replica.api.UserException;
import dev.replica.check.CheckProgress;
import dev.replica.check.CheckStoppedException;
import dev.replica.check.OutcomeComparison;
import dev.replica.check.ReproducibilityCheck;
import dev.replica.check.Verdict;
import dev.replica.check.config.Check;
import dev.replica.check.config.CheckSection;
import dev.replica.core.record.RunFolder;
import dev.replica.core.training.StopRequest;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replica check FILE}: runs the experiment's models on the two engines of its {@code check}
 * section and reruns the first, writes the report into a new run folder, and exits 0 when every model
 * is identical or within tolerance (and, where the file asks for the outcome level, equivalent),
 * {@value #DIVERGED} when one diverged or reached a different outcome, {@value #UNDECIDED} when nothing
 * failed but an outcome needs more seeds to tell (2 stays for user errors), 130 or 143 when Ctrl-C or
 * SIGTERM stopped it after the step under way.
 */
@Command(
        name = "check",
        description = "Run every model on two engines from the same weights and batches, rerun "
                + "the first, and report how far they agree; exit 0 when all agree, 3 when one diverged or reached "
                + "a different outcome, 6 when an outcome needs more seeds to tell.")
final class CheckCommand implements Callable<Integer> {

    /** Exit status when a model diverged. */
    public static final int DIVERGED = 3;

    /** Exit status when nothing failed but an outcome needs more seeds to tell. */
    public static final int UNDECIDED = 6;

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the experiment file (YAML)")
    Path file;

    @CommandLine.Mixin
    ReplicaCli.FileOptionsMixin options;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "runs",
            description = "where run folders go (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter console = spec.commandLine().getOut();
        PluginRegistry registry = parent.registry();
        Experiment experiment = new ExperimentLoader(registry).load(file, options.overrides);
        if (experiment.section(CheckSection.SECTION).isEmpty()) {
            // The resolved file shows what was checked.
            List<String> defaults = Check.defaultEngines(
                    experiment.engine().plugin(),
                    registry.all(PluginKind.ENGINE).keySet());
            if (defaults.size() < 2) {
                throw new UserException(file + ": "
                        + Check.noOtherEngine(
                                experiment.engine().plugin(),
                                registry.all(PluginKind.ENGINE).keySet()));
            }
            experiment = experiment.withSection(CheckSection.SECTION, Check.defaults(defaults));
        }
        Experiment checked = experiment;
        ReproducibilityCheck check = parent.injector(registry).getInstance(ReproducibilityCheck.class);
        StopRequest stop = new StopRequest();
        ReproducibilityCheck.Outcome outcome;
        try (StopOnSignal signals = StopOnSignal.install(
                stop, parent.out(), "stopping the check after this step", "the check's report is not written")) {
            outcome = check.run(
                    file.toString(),
                    experiment,
                    () -> {
                        RunFolder folder = checked.startFolder(out);
                        console.println("Check folder " + folder.path());
                        console.flush();
                        return folder;
                    },
                    new ConsoleCheckProgress(console),
                    stop);
        } catch (CheckStoppedException e) {
            console.println();
            console.println("Stopped: " + e.getMessage() + "; the check's report is not written.");
            console.flush();
            return StopOnSignal.exitStatus(stop.reason());
        }
        console.println();
        for (Map.Entry<String, Verdict> e : outcome.verdicts().entrySet()) {
            Verdict v = e.getValue();
            console.println(e.getKey() + ": " + v + (v.passed() ? "" : " (" + v.detail() + ")"));
        }
        for (Map.Entry<String, OutcomeComparison> e : outcome.outcomes().entrySet()) {
            for (Map.Entry<String, String> d : e.getValue().details().entrySet()) {
                console.println(e.getKey() + " outcome, " + d.getKey() + ": " + d.getValue());
            }
        }
        console.println("Wrote " + outcome.folder().path().resolve("check.md"));
        console.flush();
        return outcome.passed() ? 0 : outcome.undecided() ? UNDECIDED : DIVERGED;
    }

    /** Progress as plain lines: one per phase, about ten per phase, at least one every 30 seconds. */
    static final class ConsoleCheckProgress implements CheckProgress {
        private static final long INTERVAL_NANOS = 30_000_000_000L;

        private final PrintWriter out;
        private long phaseStart;
        private long lastLine;

        ConsoleCheckProgress(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void phase(String model, String phase) {
            out.println(model + ": " + phase);
            out.flush();
            phaseStart = System.nanoTime();
            lastLine = phaseStart;
        }

        @Override
        public void step(String model, int step, int steps, double... losses) {
            long now = System.nanoTime();
            boolean tenth = (step + 1) % Math.max(1, steps / 10) == 0;
            if (step + 1 == steps || tenth || now - lastLine > INTERVAL_NANOS) {
                StringBuilder line =
                        new StringBuilder(String.format(Locale.ROOT, "  %s step %d/%d  loss", model, step + 1, steps));
                for (double loss : losses) {
                    line.append(String.format(Locale.ROOT, " %.6f", loss));
                }
                double elapsed = (now - phaseStart) / 1e9;
                line.append(String.format(Locale.ROOT, "  %.2f s/step", elapsed / (step + 1)));
                out.println(line);
                out.flush();
                lastLine = now;
            }
        }
    }
}
