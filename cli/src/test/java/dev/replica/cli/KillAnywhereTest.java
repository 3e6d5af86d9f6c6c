package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.replica.core.record.HistoryRow;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.TensorFile;
import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 anywhere: a run is killed with SIGKILL at random moments (seeded), resumed each time, and must
 * end with the history and weights of a run never killed. After every kill, every file of the run folder
 * is whole (a temporary file may be left beside it, never a half-written one in its place) and the
 * checkpoint loads. The model is wide and the data small, so writes (checkpoint, best weights, history)
 * take much of the time and many kills land in them.
 *
 * <p>The first kill always lands inside a checkpoint write: the process is frozen with SIGSTOP while its
 * {@code checkpoint.new} exists, then killed. Then CI tries {@code replica.killPoints} (default 3) random
 * kill points; the full harness is {@code mvn -B verify -pl runner -am -Dtest=KillAnywhereTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dreplica.killPoints=10}.
 */
class KillAnywhereTest {

    @TempDir
    Path dir;

    private static final int KILL_POINTS = Integer.getInteger("replica.killPoints", 3);

    private Path experiment() throws IOException {
        Path file = dir.resolve("write-heavy.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: write-heavy",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 2, device: cpu}",
                        "dataset: {plugin: synthetic, params: {train_size: 32, test_size: 16, classes: 4}}",
                        "models:",
                        "  res: {plugin: resnet, params: {depth: 18, width: 24, classes: 4}}",
                        "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 8, classes: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                        "schedule: {plugin: multistep, params: {milestones: [3], gamma: 0.1}}",
                        "training: {epochs: 4, batch_size: 16}",
                        ""),
                StandardCharsets.UTF_8);
        return file;
    }

    /** A started process and when its run folder was named. */
    private record Started(Process process, Path log, long namedAt) {}

    private Started start(String... args) throws Exception {
        Path log = Files.createTempFile(dir, "kill", ".out");
        Process p = FreshJvm.builder(dir, log, args).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (out.contains("Run folder ") || out.contains("Resuming ")) {
                return new Started(p, log, System.nanoTime());
            }
            assertThat(p.isAlive() || out.contains("Run folder"))
                    .as("ended before naming its folder: " + out
                            + Files.readString(log.resolveSibling(log.getFileName() + ".err")))
                    .isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aRunKilledAtRandomMomentsEndsAsOneNeverKilled() throws Exception {
        Path file = experiment();
        // The determinism probe first, cached: the reference's time is then training alone, like that of
        // every run below (on a machine whose native kernels fail, probing is most of a first run's time,
        // and random kill moments drawn from it would mostly come after those runs ended).
        FreshJvm.Result probed = FreshJvm.run(dir, "doctor", file.toString());
        assertThat(probed.exit()).as(probed.out() + probed.err()).isZero();
        Started reference = start("run", file.toString(), "--out", "whole");
        assertThat(reference.process().waitFor(5, TimeUnit.MINUTES)).isTrue();
        long trainingNanos = System.nanoTime() - reference.namedAt();
        assertThat(reference.process().exitValue())
                .as(Files.readString(reference.log()))
                .isZero();
        Path whole = TinyExperiment.runFolder(dir, Files.readString(reference.log()));

        Random random = new Random(20261129L);
        Path run = null;
        int kills = 0;
        int duringWrites = 0;
        int attempts = 0;
        while (kills < 1 + KILL_POINTS) {
            attempts++;
            assertThat(attempts)
                    .as("attempts to land %d kill points", 1 + KILL_POINTS)
                    .isLessThan(10 * (1 + KILL_POINTS));
            Started s = run == null
                    ? start("run", file.toString(), "--out", "killed")
                    : start("run", "--resume", run.toString());
            run = TinyExperiment.runFolder(dir, Files.readString(s.log()));
            if (kills == 0) {
                // The first kill of every run of this test lands inside a checkpoint write.
                killInsideACheckpointWrite(s.process(), run);
                kills++;
                assertThat(leftTemporaryFiles(run)).isTrue();
                duringWrites++;
                assertEveryFileIsWhole(run);
                continue;
            }
            long delay = (long) (random.nextDouble() * trainingNanos);
            Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
            if (!s.process().isAlive()) {
                // It finished first: start over from a new run, so every kill lands in a run still training.
                assertThat(s.process().exitValue())
                        .as(Files.readString(s.log()))
                        .isZero();
                run = null;
                continue;
            }
            s.process().destroyForcibly();
            assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            kills++;
            if (leftTemporaryFiles(run)) {
                duringWrites++;
            }
            assertEveryFileIsWhole(run);
        }
        FreshJvm.Result last = FreshJvm.run(dir, "run", "--resume", run.toString());
        assertThat(last.exit()).as(last.out() + last.err()).isZero();
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(run.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(whole.resolve(label).resolve("history.csv")));
        }
        assertThat(DeterminismTest.checksums(run)).isEqualTo(DeterminismTest.checksums(whole));
        System.out.printf(
                "kill -9 harness: %d kill points, one inside a checkpoint write (%d left a temporary file or "
                        + "checkpoint beside the real one), "
                        + "%d runs started, resumed run identical to the uninterrupted one%n",
                kills, duringWrites, attempts);
    }

    /**
     * Waits for a checkpoint write to begin (its {@code checkpoint.new} folder appears), freezes the process
     * there with SIGSTOP, which holds the write open, and kills it with SIGKILL once the write is seen still
     * under way. A write that finished before the stop took effect lets the process go on to the next one.
     */
    private static void killInsideACheckpointWrite(Process p, Path run) throws Exception {
        List<Path> writes = List.of(run.resolve("res/checkpoint.new"), run.resolve("vgg/checkpoint.new"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            assertThat(p.isAlive())
                    .as("the run ended before a kill landed inside a checkpoint write")
                    .isTrue();
            assertThat(System.nanoTime())
                    .as("no checkpoint write within 3 minutes")
                    .isLessThan(deadline);
            if (writes.stream().anyMatch(Files::isDirectory)) {
                signal("STOP", p);
                if (writes.stream().anyMatch(Files::isDirectory)) {
                    p.destroyForcibly(); // SIGKILL ends a stopped process too
                    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    return;
                }
                signal("CONT", p);
            }
            Thread.onSpinWait();
        }
    }

    private static void signal(String name, Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -%s %d", name, p.pid())
                .isTrue();
    }

    private static boolean leftTemporaryFiles(Path run) throws IOException {
        try (Stream<Path> files = Files.walk(run)) {
            return files.anyMatch(p -> p.toString().endsWith(".tmp")
                    || p.toString().endsWith("checkpoint.new")
                    || p.toString().endsWith("checkpoint.old"));
        }
    }

    /** Every file under its real name is complete, and each model's checkpoint, if any, loads. */
    private static void assertEveryFileIsWhole(Path run) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(run)) {
            files = new ArrayList<>(walk.filter(Files::isRegularFile).toList());
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String where = f.toString();
            if (name.endsWith(".tmp") || where.contains("checkpoint.new") || where.contains("checkpoint.old")) {
                continue;
            }
            if (name.equals("history.csv")) {
                HistoryRow.read(f);
            } else if (name.endsWith(".params") || name.endsWith(".bin")) {
                TensorFile.read(f);
            } else if (name.endsWith(".json")) {
                JsonParser.parseString(Files.readString(f));
            } else if (name.endsWith(".png")) {
                byte[] b = Files.readAllBytes(f);
                assertThat(new String(b, b.length - 8, 4, StandardCharsets.ISO_8859_1))
                        .as(where)
                        .isEqualTo("IEND");
            } else if (name.endsWith(".csv") || name.endsWith(".md")) {
                assertThat(Files.readString(f)).as(where).endsWith("\n");
            }
        }
        for (String label : new String[] {"res", "vgg"}) {
            Checkpoint c = new Checkpoint(run.resolve(label).resolve("checkpoint"));
            if (c.exists()) {
                assertThat(c.progress().history()).hasSize(c.progress().epoch());
            }
        }
    }
}
