package dev.replica.check;

import dev.replica.api.ModelPlugin;
import dev.replica.api.Plugin;
import dev.replica.core.record.RunFolder;
import dev.replica.runner.Environment;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tiny experiment for checks: both model plugins at toy size on the synthetic dataset (48 examples,
 * batches of 16: three steps an epoch), one engine thread, and the check's in-process plumbing.
 */
public final class TinyCheck {

    static final PluginRegistry REGISTRY = PluginRegistry.discover(TinyCheck.class.getClassLoader());

    private TinyCheck() {}

    /** The experiment file's text, with the given lines of its check section. */
    public static String yaml(String... checkLines) {
        return String.join(
                "\n",
                "replica: 1",
                "name: tiny-check",
                "seed: 0",
                "engine: {plugin: pytorch, threads: 2, device: cpu}",
                "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                "models:",
                "  res: {plugin: resnet, params: {depth: 18, width: 2, classes: 4}}",
                "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 32, classes: 4}}",
                "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                "schedule: {plugin: multistep, params: {milestones: [2], gamma: 0.1}}",
                "training: {epochs: 4, batch_size: 16}",
                "check:",
                String.join("\n", Arrays.stream(checkLines).map(l -> "  " + l).toList()),
                "");
    }

    static Experiment load(String yaml, String... overrides) {
        return new ExperimentLoader(REGISTRY).read("tiny-check.yaml", yaml, List.of(overrides));
    }

    /** Writes the text as {@code tiny-check.yaml} in the folder. */
    public static Path write(Path dir, String yaml) throws IOException {
        Path file = dir.resolve("tiny-check.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    static ReproducibilityCheck check(Path dataRoot) {
        Map<String, ModelPlugin> models = new TreeMap<>();
        for (Map.Entry<String, Plugin> e : REGISTRY.all(PluginKind.MODEL).entrySet()) {
            models.put(e.getKey(), (ModelPlugin) e.getValue());
        }
        return new ReproducibilityCheck(REGISTRY, models, new Environment(dataRoot));
    }

    /** A new run folder under {@code dir} with the experiment's resolved file, as the command makes it. */
    static RunFolder folder(Path dir, Experiment experiment) {
        return experiment.startFolder(dir.resolve("runs"));
    }

    /** Runs the check of an experiment on its own sides. */
    static ReproducibilityCheck.Outcome run(Path dir, Experiment experiment) throws IOException {
        return check(dir).run("tiny-check.yaml", experiment, () -> folder(dir, experiment), CheckProgress.SILENT);
    }

    /** Runs the check of an experiment on two given sides. */
    static ReproducibilityCheck.Outcome run(Path dir, Experiment experiment, Side a, Side b) throws IOException {
        return check(dir)
                .run("tiny-check.yaml", experiment, List.of(a, b), () -> folder(dir, experiment), CheckProgress.SILENT);
    }
}
