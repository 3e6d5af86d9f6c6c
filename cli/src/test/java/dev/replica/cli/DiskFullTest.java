package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.TensorFile;
import dev.replica.runner.InCi;
import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and a read-only folder, on a small tmpfs of their own: training stops with a message that
 * says what could not be written and which checkpoint is kept (exit 7), the checkpoint is intact, and once
 * there is space the run resumes to the result of a run that never stopped. Needs permission to mount a
 * tmpfs (root, as on the build and CI machines); it is skipped, saying so, where mounting is refused,
 * except in CI, where it fails.
 */
class DiskFullTest {

    @TempDir
    Path dir;

    private Path mount;

    private static boolean sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            sh("umount", mount.toString());
        }
    }

    private static long size(Path p) throws IOException {
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    @Test
    void aFullDiskStopsTrainingKeepsTheCheckpointAndTheRunResumesOnceThereIsSpace() throws Exception {
        Path file = dir.resolve("wide.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: wide",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 2, device: cpu}",
                        "dataset: {plugin: synthetic, params: {train_size: 32, test_size: 16, classes: 4}}",
                        "models:",
                        "  res: {plugin: resnet, params: {depth: 18, width: 24, classes: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 3, batch_size: 16}",
                        ""),
                StandardCharsets.UTF_8);
        CliRun.Result whole = CliRun.replica(
                dir.resolve("data"),
                "run",
                file.toString(),
                "--out",
                dir.resolve("whole").toString());
        assertThat(whole.exit()).as(whole.err()).isZero();
        Path reference = TinyExperiment.runFolder(Path.of(""), whole.out());
        long best = Files.size(reference.resolve("res/best.params"));
        long checkpoint = size(reference.resolve("res/checkpoint"));

        // Room for epoch 1 (best weights and a checkpoint, with half a checkpoint to spare for the small
        // files), never for epoch 2's new checkpoint beside the old one: whichever epoch 2 writes first (new
        // best weights or the checkpoint) runs out, on any machine, whatever its validation accuracy.
        mount = Files.createDirectory(dir.resolve("small"));
        long bytes = best + checkpoint + checkpoint / 2;
        boolean mounted = sh("mount", "-t", "tmpfs", "-o", "size=" + (bytes / 1024) + "k", "tmpfs", mount.toString());
        if (!mounted) {
            mount = null;
        }
        InCi.skipUnlessAvailable(mounted, "cannot mount a tmpfs here (needs root)");
        CliRun.Result full = CliRun.replica(
                dir.resolve("data"),
                "run",
                file.toString(),
                "--out",
                mount.resolve("runs").toString());
        assertThat(full.exit()).as(full.out() + full.err()).isEqualTo(7);
        System.out.println("On a " + bytes / 1024 + " KiB disk: " + full.err().strip());
        Path run = TinyExperiment.runFolder(Path.of(""), full.out());
        assertThat(full.err())
                .startsWith("replica: model 'res': cannot write the ")
                .contains("No space left on device")
                .contains("training stopped there; the last good checkpoint, after epoch 1, is "
                        + run.resolve("res/checkpoint") + ", intact")
                .doesNotContain("\tat ");
        assertThat(full.out())
                .contains(
                        "Free space (or make the folder writable), then resume with: replica run " + "--resume " + run);
        Checkpoint kept = new Checkpoint(run.resolve("res/checkpoint"));
        assertThat(kept.progress().epoch()).isEqualTo(1);
        TensorFile.read(run.resolve("res/checkpoint/weights.bin"));

        // Read-only: refused before anything is touched.
        assertThat(sh("mount", "-o", "remount,ro", mount.toString())).isTrue();
        CliRun.Result readOnly = CliRun.replica(dir.resolve("data"), "run", "--resume", run.toString());
        assertThat(readOnly.exit()).isEqualTo(2);
        assertThat(readOnly.err())
                .startsWith("replica: cannot lock the run folder " + run)
                .contains("Read-only file system");

        // Space again: the run resumes and ends as the run that never stopped.
        assertThat(sh("mount", "-o", "remount,rw,size=" + (4 * bytes / 1024) + "k", mount.toString()))
                .isTrue();
        CliRun.Result resumed = CliRun.replica(dir.resolve("data"), "run", "--resume", run.toString());
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        assertThat(Files.readString(run.resolve("res/history.csv")))
                .isEqualTo(Files.readString(reference.resolve("res/history.csv")));
        assertThat(DeterminismTest.checksums(run)).isEqualTo(DeterminismTest.checksums(reference));
    }
}
