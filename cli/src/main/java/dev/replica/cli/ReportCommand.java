package dev.replica.cli;

import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.report.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code replica report RUN_DIR}: (re)makes a run folder's plots, report.md and report.html. */
@Command(name = "report", description = "Make the plots, report.md and report.html of a run folder (again).")
final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run folder, as 'replica run' printed it")
    Path folder;

    @Override
    public Integer call() throws IOException {
        // Every history is read, and refused, before the lock file or plots/ is made.
        RunContents.read(folder).histories();
        try (RunLock held = RunLock.exclusive(folder, "report")) {
            return report();
        }
    }

    private Integer report() throws IOException {
        Report.Written written = Report.write(folder);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Wrote " + written.markdown() + ", " + written.html() + " and "
                + written.plots().size() + " plots in " + folder.resolve(RunFolder.PLOTS));
        out.flush();
        return 0;
    }
}
