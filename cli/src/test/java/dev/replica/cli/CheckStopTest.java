package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGTERM while {@code replica check} trains, on either engine, in the operator-level lockstep or in an
 * outcome run: the check stops at the next step, closes its engines and exits 143, with no native crash
 * (no {@code hs_err} file). The signal comes from outside, as a scheduler's would, once the process has
 * said that the phase under test is training.
 */
class CheckStopTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mxnet outcome run, 'outcome run 2 of 2: mxnet'",
        "pytorch outcome run, 'outcome run 1 of 2: pytorch'",
        "lockstep, 'steps in lockstep'"
    })
    void sigtermStopsTheCheckCleanly(String name, String phase) throws Exception {
        Path file = dir.resolve("stopped.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: stopped",
                        "engine: {plugin: pytorch, threads: 2}",
                        "dataset: {plugin: synthetic, params: {train_size: 480, test_size: 24, classes: 4}}",
                        "models:",
                        "  res: {plugin: resnet, params: {depth: 18, width: 2, classes: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 10, batch_size: 16}",
                        // Phases of 30 and 300 steps: the signal lands in the middle of one.
                        "check: {engines: [pytorch, mxnet], steps: 30, rerun: false,",
                        "        tolerances: [{metric: loss, relative: 1}], outcome: {seeds: 1, margins: {eval_accuracy: 0.5}}}",
                        ""),
                StandardCharsets.UTF_8);
        Path log = dir.resolve("check.log");
        Process p = FreshJvm.builder(
                        dir, log, List.of(), "dev.replica.cli.ReplicaCli", "check", file.toString(), "--out", "runs")
                .start();
        try {
            waitForStepOf(phase, log, p);
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(3, TimeUnit.MINUTES))
                    .as("the check did not end within 3 minutes")
                    .isTrue();
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        String err = Files.readString(log.resolveSibling(log.getFileName() + ".err"), StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as(out + err).noneMatch(f -> f.startsWith("hs_err"));
        }
        assertThat(p.exitValue()).as(out + err).isEqualTo(143);
        assertThat(out).contains("Stopped: the check stopped (SIGTERM)");
    }

    /** Waits until the phase has printed a step: its lanes are training. */
    private static void waitForStepOf(String phase, Path log, Process p) throws IOException, InterruptedException {
        for (int i = 0; i < 1800; i++) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            int at = out.indexOf(phase);
            if (at >= 0 && out.indexOf(" step ", at) >= 0) {
                return;
            }
            assertThat(p.isAlive()).as("ended before %s: %s", phase, out).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("no step of '" + phase + "' within 3 minutes");
    }
}
