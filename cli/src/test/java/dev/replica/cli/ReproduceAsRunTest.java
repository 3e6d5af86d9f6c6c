package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reproduce} trains its new run folder as {@code run} does: under the folder's exclusive lock, and
 * stopped by SIGTERM at the next step with a checkpoint and the way to resume (exit 143). Without
 * {@code REPLICA_DATA} it reads the data from the folder the run recorded while every file there still has
 * its recorded md5, says so, and otherwise looks where a run looks.
 */
class ReproduceAsRunTest {

    @TempDir
    Path dir;

    private Process signalled(String spec, Path log, String... args) throws Exception {
        return FreshJvm.builder(
                        dir, log, List.of("-Dreplica.test.signal=" + spec), "dev.replica.cli.SignalsForTests", args)
                .start();
    }

    private static String awaitLine(Process p, Path log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
            assertThat(p.isAlive()).as(Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("no '%s' within 3 minutes", line).isLessThan(deadline);
            Thread.sleep(100);
        }
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** The run folder a reproduction printed. */
    private Path reproduction(String out) {
        int at = out.indexOf(" in run folder ");
        assertThat(at).as(out).isPositive();
        return dir.resolve(out.substring(at + " in run folder ".length(), out.indexOf('\n', at))
                .trim());
    }

    @Test
    void aReproductionIsLockedAndStopsOnSigtermWithACheckpointToResumeFrom() throws Exception {
        Path original = FreshJvm.finishedTinyRun(dir);

        // Held after its first epoch: the new folder is locked by the reproduction.
        Path heldLog = dir.resolve("held.log");
        Process held = signalled("res:1:0:HOLD", heldLog, "reproduce", original.toString(), "--out", "held");
        Path heldRun = reproduction(awaitLine(held, heldLog, "HOLD at res"));
        CliRun.Result refused = CliRun.replica(dir.resolve("data"), "run", "--resume", heldRun.toString());
        assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err())
                .startsWith("replica: the run folder " + heldRun + " is in use by process " + held.pid()
                        + " (replica reproduce, since ");
        Files.writeString(dir.resolve("release"), "");
        assertThat(held.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(held.exitValue()).as(Files.readString(heldLog)).isZero();
        assertThat(Files.readString(heldLog)).contains("\nIdentical: ");
        assertThat(heldRun.resolve(".lock")).isEmptyFile();

        // SIGTERM in epoch 1: stopped after that step, with its checkpoint, as a run stops.
        Path stoppedLog = dir.resolve("stopped.log");
        Process stopped = signalled("vgg:1:1:TERM", stoppedLog, "reproduce", original.toString(), "--out", "stopped");
        assertThat(stopped.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(stoppedLog);
        Path stoppedRun = reproduction(out);
        assertThat(stopped.exitValue()).as(out).isEqualTo(143);
        assertThat(out)
                .contains("Stopped: model 'vgg' stopped (SIGTERM) in epoch 1, after step 1 of 3")
                .containsPattern("Resume with: replica run --resume \\S*" + stoppedRun.getFileName() + "\n")
                .doesNotContain("Identical");
        assertThat(Files.readString(stoppedRun.resolve("vgg/checkpoint/progress.json")))
                .containsPattern("\"steps\":\\s*1\\b");
        assertThat(stoppedRun.resolve(".lock")).isEmptyFile();
    }

    @Test
    void withoutReplicaDataTheRecordedFolderIsUsedWhileItsFilesMatch() throws Exception {
        Path data = dir.resolve("data");
        Path cifar = TinyExperiment.cifar10(data.resolve("cifar10"));
        Path file = TinyExperiment.cifar10Experiment(dir);
        CliRun.Result run = CliRun.replica(
                data, "run", file.toString(), "--out", dir.resolve("runs").toString());
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Path original = TinyExperiment.runFolder(Path.of(""), run.out());

        // No REPLICA_DATA, and nothing where a run would look (no download either).
        Map<String, String> env = TinyExperiment.withoutData(dir.resolve("elsewhere"));
        CliRun.Result again = CliRun.replica(env, "reproduce", original.toString());
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(again.out())
                .startsWith("Data: " + cifar.toAbsolutePath() + ", the folder the run recorded (every file's md5 "
                        + "as recorded; set REPLICA_DATA to use another)\n")
                .contains("\nIdentical: ");

        // A file changed since: not that folder, and where a run looks there is nothing.
        byte[] changed = Files.readAllBytes(cifar.resolve("data_batch_3.bin"));
        changed[1] ^= 1;
        Files.write(cifar.resolve("data_batch_3.bin"), changed);
        CliRun.Result refused = CliRun.replica(env, "reproduce", original.toString());
        assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(2);
        assertThat(refused.out())
                .startsWith("Data: not from " + cifar.toAbsolutePath() + ", the folder the run recorded: "
                        + cifar.toAbsolutePath().resolve("data_batch_3.bin") + " has another md5 than recorded; "
                        + "looking where a run looks ($REPLICA_DATA is not set)\n");
        assertThat(refused.err())
                .startsWith("replica: CIFAR-10 not found in " + dir.resolve("elsewhere/replica/cifar10"));
    }
}
