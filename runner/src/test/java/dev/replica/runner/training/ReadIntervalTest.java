package dev.replica.runner.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.DataSplits;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The epoch loop reads its steps' figures about once a second (or every 64 steps), all epoch long, not
 * only in its first second.
 */
class ReadIntervalTest {

    private static final long STEP_MILLIS = 20;

    @TempDir
    Path dir;

    @Test
    void figuresAreReadOncePerIntervalAfterTheEpochsFirstSecond() throws Exception {
        // 120 steps of at least 20 ms each: two and a half seconds or more. Two threads, as every test
        // of this JVM loads the engine.
        Path file = dir.resolve("reads.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: reads",
                        "seed: 0",
                        "engine: {plugin: mxnet, threads: 2, device: cpu}",
                        "dataset: {plugin: synthetic, params: {train_size: 240, test_size: 2, classes: 2}}",
                        "models:",
                        "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 64, classes: 2}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.01}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 1, batch_size: 2}",
                        ""),
                StandardCharsets.UTF_8);
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        Experiment experiment = new ExperimentLoader(registry).load(file, List.of());
        RunAssembly assembly = new RunAssembly(registry, Environment.from(Map.of()));
        Reads reads = new Reads();
        try (EngineSession session = assembly.openEngine(experiment)) {
            DataSplits data = assembly.openData(experiment, 0);
            TrainingSetup setup = assembly.setup(experiment, session, data, 0);
            PluginUse vgg = experiment.models().get("vgg");
            ModelPlugin plugin = registry.model(vgg.plugin());
            try (ModelTrainer trainer = new ModelTrainer(setup, "vgg", plugin, vgg.params())) {
                long started = System.nanoTime();
                trainer.trainEpoch(1, reads);
                double seconds = (System.nanoTime() - started) / 1e9;
                int steps = setup.stepsPerEpoch();
                assertThat(steps).isEqualTo(120);
                assertThat(reads.read).isEqualTo(steps);
                // One read per second at most, one per 64 steps, and the epoch's last.
                assertThat(reads.bursts)
                        .as("reads in %.1f s", seconds)
                        .isLessThanOrEqualTo((int) seconds + steps / 64 + 2);
            }
        }
    }

    /** Counts the reads: runs of {@code step} calls between trained steps. Slows each step down. */
    private static final class Reads implements ProgressListener {
        int bursts;
        int read;
        boolean reading;

        @Override
        public void stepTrained(String label, int epoch, int step, int steps) {
            reading = false;
            try {
                Thread.sleep(STEP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        @Override
        public void step(String label, int epoch, int epochs, int step, int steps, double meanLoss, double accuracy) {
            if (!reading) {
                bursts++;
                reading = true;
            }
            read++;
        }
    }
}
