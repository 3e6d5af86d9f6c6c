package dev.replica.cli;

import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.report.KeyPaths;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code replica diff RUN_A RUN_B}: what differs between two runs' resolved experiments and manifests,
 * key path by key path. Exits 0 either way; prints {@code no differences} when there are none.
 */
@Command(name = "diff", description = "Show what differs between two runs' resolved experiments and manifests.")
final class DiffCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_A", description = "a run folder")
    Path left;

    @Parameters(index = "1", paramLabel = "RUN_B", description = "another run folder")
    Path right;

    @Override
    public Integer call() {
        RunContents a = RunContents.read(left);
        RunContents b = RunContents.read(right);
        try (RunLock heldLeft = RunLock.shared(left, "diff");
                RunLock heldRight = left.toAbsolutePath()
                                .normalize()
                                .equals(right.toAbsolutePath().normalize())
                        ? null
                        : RunLock.shared(right, "diff")) {
            return diff(a, b);
        }
    }

    private Integer diff(RunContents a, RunContents b) {
        List<KeyPaths.Difference> experiment =
                KeyPaths.differences(KeyPaths.flatten(a.experiment()), KeyPaths.flatten(b.experiment()));
        List<KeyPaths.Difference> manifest =
                KeyPaths.differences(KeyPaths.flatten(a.manifest()), KeyPaths.flatten(b.manifest()));
        PrintWriter out = spec.commandLine().getOut();
        if (experiment.isEmpty() && manifest.isEmpty()) {
            out.println("no differences");
            out.flush();
            return 0;
        }
        out.println("--- " + left);
        out.println("+++ " + right);
        section(out, RunFolder.EXPERIMENT, experiment);
        section(out, RunFolder.MANIFEST, manifest);
        out.flush();
        return 0;
    }

    private static void section(PrintWriter out, String file, List<KeyPaths.Difference> differences) {
        if (differences.isEmpty()) {
            out.println(file + ": no differences");
            return;
        }
        out.println(file + ": " + differences.size() + (differences.size() == 1 ? " difference" : " differences"));
        for (KeyPaths.Difference d : differences) {
            out.println("  " + d);
        }
    }
}
