package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C and SIGTERM in the middle of an epoch: the run stops at the next step with a checkpoint of it,
 * says how to resume and exits 130 or 143; the resumed run ends bit-identical to one never stopped. A
 * second Ctrl-C stops at once and keeps the last checkpoint. Each process is a fresh JVM that signals
 * itself at a known step through the real handlers ({@code SignalsForTests}).
 */
class StopAndResumeTest {

    private static final int EPOCHS = 3;

    @TempDir
    Path dir;

    private record Stopped(int exit, String out, Path folder) {}

    private Stopped runSignalled(Path file, String out, String spec) throws Exception {
        Path log = dir.resolve(out + ".log");
        Process p = FreshJvm.builder(
                        dir,
                        log,
                        List.of("-Dreplica.test.signal=" + spec),
                        "dev.replica.cli.SignalsForTests",
                        "run",
                        file.toString(),
                        "--out",
                        out)
                .start();
        assertThat(p.waitFor(3, TimeUnit.MINUTES))
                .as("the run did not end within 3 minutes")
                .isTrue();
        String printed = Files.readString(log, StandardCharsets.UTF_8);
        return new Stopped(p.exitValue(), printed, TinyExperiment.runFolder(dir, printed));
    }

    private Path uninterrupted(Path file) throws Exception {
        FreshJvm.Result whole = FreshJvm.run(dir, "run", file.toString(), "--out", "whole");
        assertThat(whole.exit()).as(whole.out() + whole.err()).isZero();
        return TinyExperiment.runFolder(dir, whole.out());
    }

    /**
     * A shell without job control starts a background job with SIGINT ignored, and a JVM that starts so
     * never sees Ctrl-C (nor can it undo that): what these tests prove cannot be seen then.
     */
    private static void assumeCtrlCReachesAChild() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseUnsignedLong(
                        line.substring("SigIgn:".length()).strip(), 16);
                assumeTrue(
                        (ignored & (1L << 1)) == 0,
                        "SIGINT is ignored in this process (a background job of a shell without job control), "
                                + "so a child JVM cannot receive Ctrl-C; run the tests in the foreground");
            }
        }
    }

    private void resumesToTheSameRun(Path stopped, Path whole) throws Exception {
        FreshJvm.Result resumed = FreshJvm.run(dir, "run", "--resume", stopped.toString());
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(stopped.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(whole.resolve(label).resolve("history.csv")));
        }
        assertThat(DeterminismTest.checksums(stopped)).isEqualTo(DeterminismTest.checksums(whole));
    }

    private static JsonObject progress(Path run, String label) throws Exception {
        return JsonParser.parseString(Files.readString(run.resolve(label).resolve("checkpoint/progress.json")))
                .getAsJsonObject();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void ctrlCInTheMiddleOfAnEpochStopsThereAndResumesToTheSameRun(String engine) throws Exception {
        assumeCtrlCReachesAChild();
        Path file = TinyExperiment.write(dir, engine, 0, EPOCHS);
        Path whole = uninterrupted(file);

        Stopped s = runSignalled(file, "stopped", "res:2:2:INT");
        assertThat(s.exit()).as(s.out()).isEqualTo(130);
        assertThat(s.out())
                .contains("SIGINT: stopping after this step, with a checkpoint of it (again to stop at once) ...")
                .contains("Stopped: model 'res' stopped (SIGINT) in epoch 2, after step 2 of 3; its checkpoint is ")
                .containsPattern(
                        "Resume with: replica run --resume \\S*" + s.folder().getFileName() + "\n");
        JsonObject p = progress(s.folder(), "res");
        assertThat(p.get("epoch").getAsInt()).isEqualTo(1);
        assertThat(p.getAsJsonObject("partial").get("steps").getAsInt()).isEqualTo(2);
        assertThat(s.folder().resolve("vgg")).doesNotExist();
        assertThat(s.folder().resolve(".lock")).isEmptyFile();
        CliRun.Result midEpoch = CliRun.replica(
                dir.resolve("data"), "export", s.folder().toString(), "--weights", "final", "--model", "res");
        assertThat(midEpoch.exit()).isEqualTo(2);
        assertThat(midEpoch.err())
                .contains("model 'res' of " + s.folder() + " stopped in epoch 2, after step 2: its "
                        + "last checkpoint is not an epoch's final weights; resume the run, or use --weights best");

        double before = p.getAsJsonObject("partial").get("seconds").getAsDouble();
        assertThat(before).isPositive();

        resumesToTheSameRun(s.folder(), whole);
        // timing.csv counts the epoch's steps before the stop too (history.csv has no timing at all).
        List<String> timing = Files.readAllLines(s.folder().resolve("res/timing.csv"));
        assertThat(Double.parseDouble(timing.get(2).split(",")[1])).isGreaterThanOrEqualTo(before);
    }

    @Test
    void sigtermStopsLikeCtrlCWithTheShellsStatus() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, EPOCHS);
        Stopped s = runSignalled(file, "terminated", "vgg:1:1:TERM");
        assertThat(s.exit()).as(s.out()).isEqualTo(143);
        assertThat(s.out()).contains("Stopped: model 'vgg' stopped (SIGTERM) in epoch 1, after step 1 of 3");
        assertThat(progress(s.folder(), "vgg")
                        .getAsJsonObject("partial")
                        .get("steps")
                        .getAsInt())
                .isEqualTo(1);
        // res had finished: its checkpoint is its last epoch's.
        assertThat(progress(s.folder(), "res").get("epoch").getAsInt()).isEqualTo(EPOCHS);
        resumesToTheSameRun(s.folder(), uninterrupted(file));
    }

    @Test
    void aSecondCtrlCStopsAtOnceAndKeepsTheLastCheckpoint() throws Exception {
        assumeCtrlCReachesAChild();
        Path file = TinyExperiment.write(dir, "pytorch", 0, EPOCHS);
        Stopped s = runSignalled(file, "halted", "res:2:1:INT2");
        assertThat(s.exit()).as(s.out()).isEqualTo(130);
        assertThat(s.out())
                .contains("Stopping now (SIGINT again): the last checkpoint is kept.")
                .doesNotContain("Resume with");
        JsonObject p = progress(s.folder(), "res");
        assertThat(p.get("epoch").getAsInt()).isEqualTo(1);
        assertThat(p.get("partial")).isNull();
        try (Stream<Path> files = Files.walk(s.folder())) {
            assertThat(files.map(Path::toString).filter(f -> f.endsWith(".tmp") || f.endsWith(".new")))
                    .isEmpty();
        }
        resumesToTheSameRun(s.folder(), uninterrupted(file));
    }
}
