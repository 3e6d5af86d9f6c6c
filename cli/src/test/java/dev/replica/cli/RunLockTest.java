package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run folder in use is locked: while a run trains, a second resume, report, reproduce, eval or export
 * of it is refused with a message naming the process; a lock left by a process killed with SIGKILL is
 * recognised and taken over.
 */
class RunLockTest {

    @TempDir
    Path dir;

    @Test
    void aFolderInUseIsRefusedNamingTheProcessAndAKilledHoldersLockIsTakenOver() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 2);
        Path log = dir.resolve("holder.log");
        Process holder = FreshJvm.builder(
                        dir,
                        log,
                        List.of("-Dreplica.test.signal=res:1:0:HOLD"),
                        "dev.replica.cli.SignalsForTests",
                        "run",
                        file.toString(),
                        "--out",
                        "held")
                .start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(log, StandardCharsets.UTF_8).contains("HOLD at res")) {
            assertThat(holder.isAlive()).as(Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("no hold within 3 minutes").isLessThan(deadline);
            Thread.sleep(100);
        }
        Path run = TinyExperiment.runFolder(dir, Files.readString(log, StandardCharsets.UTF_8));
        String inUse = "the run folder " + run + " is in use by process " + holder.pid() + " (replica run, since ";
        for (String[] command : new String[][] {
            {"run", "--resume", run.toString()},
            {"report", run.toString()},
            {"reproduce", run.toString()},
            {"eval", run.toString()},
            {"export", run.toString()},
        }) {
            CliRun.Result r = CliRun.replica(dir.resolve("data"), command);
            assertThat(r.exit()).as(String.join(" ", command) + ": " + r.err()).isEqualTo(2);
            if (!command[0].equals("reproduce")) {
                assertThat(r.err()).as(command[0]).startsWith("replica: " + inUse);
            }
        }
        // reproduce refuses a run that has not finished before it looks at the lock; the lock itself:
        assertThatThrownBy(() -> RunLock.shared(run, "reproduce"))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith(inUse)
                .hasMessageEndingWith("; wait for it to finish, or stop it (Ctrl-C stops a run at its next step)");

        holder.destroyForcibly(); // SIGKILL: the lock file still names it
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(run.resolve(RunFolder.LOCK))).startsWith("process " + holder.pid());
        FreshJvm.Result resumed = FreshJvm.run(dir, "run", "--resume", run.toString());
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out())
                .contains("Took over the lock of process " + holder.pid() + " (replica run, since ")
                .contains("which ended without releasing it");
        assertThat(run.resolve(RunFolder.LOCK)).isEmptyFile();
    }

    @Test
    void thisProcessCannotTakeItsOwnLockTwice() throws Exception {
        Files.createDirectories(dir.resolve("r"));
        try (RunLock first = RunLock.exclusive(dir.resolve("r"), "run")) {
            assertThat(first.takenOverFrom()).isEmpty();
            assertThatThrownBy(() -> RunLock.shared(dir.resolve("r"), "predict"))
                    .hasMessageContaining(
                            "is in use by process " + ProcessHandle.current().pid())
                    .hasMessageContaining("this very process");
        }
        try (RunLock reader = RunLock.shared(dir.resolve("r"), "predict")) {
            assertThat(reader.takenOverFrom()).isEmpty();
        }
    }
}
