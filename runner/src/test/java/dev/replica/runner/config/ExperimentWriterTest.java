package dev.replica.runner.config;

import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.withLine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.Plugin;
import dev.replica.runner.plugin.PluginKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExperimentWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesEveryDefaultInSchemaOrder() {
        assertThat(ExperimentWriter.toYaml(load(TEXT))).isEqualTo("""
                # Resolved experiment: every default filled in, every --set override applied.
                replica: 1
                name: resnet18-vs-vgg19bn-cifar10
                seed: 0
                engine:
                  plugin: pytorch
                  threads: 2
                  device: cpu
                dataset:
                  plugin: cifar10
                  params:
                    validation: test
                    root: data/cifar10
                models:
                  resnet18:
                    plugin: resnet
                    params:
                      depth: 18
                      width: 64
                  vgg19bn:
                    plugin: vgg
                    params:
                      depth: 19
                      batch_norm: true
                      width_divisor: 1
                optimizer:
                  plugin: sgd
                  params:
                    lr: 0.1
                    momentum: 0.9
                    weight_decay: 5.0e-4
                    nesterov: false
                schedule:
                  plugin: multistep
                  params:
                    milestones: [50, 75]
                    gamma: 0.1
                training:
                  epochs: 100
                  batch_size: 128
                  eval_batch_size: 128
                """);
    }

    @Test
    void writesSeveralSeedsAsAListAndLeavesOutEmptyParams() {
        String yaml = ExperimentWriter.toYaml(load(withLine(3, "seeds: [0, 1, 2]"), "schedule={plugin: constant}"));

        assertThat(yaml).contains("\nseeds: [0, 1, 2]\n").contains("\nschedule:\n  plugin: constant\ntraining:\n");
    }

    /** Strings that YAML would read as something else must come back as the same strings. */
    @ParameterizedTest
    @ValueSource(
            strings = {"18", "yes", "null", "5e-4", "1.0", "a: b", "[x]", "#x", " padded ", "", "it's", "two\nlines"})
    void loadingTheWrittenFileGivesAnEqualExperiment(String root) {
        Experiment e = load(
                TEXT,
                "seeds=[5, 3]",
                "optimizer.params.lr=1e-10",
                "optimizer.params.momentum=0",
                "schedule.params.gamma=2.5");
        Plugin cifar10 = FakePlugins.registry().get(PluginKind.DATASET, "cifar10");
        PluginUse dataset = new PluginUse(
                "cifar10",
                cifar10.schema()
                        .validate(Map.of("validation", "holdout", "root", root))
                        .orElseThrow());
        Experiment withRoot = new Experiment(
                e.format(),
                e.name(),
                e.seeds(),
                e.engine(),
                dataset,
                e.models(),
                e.optimizer(),
                e.schedule(),
                e.training());

        String yaml = ExperimentWriter.toYaml(withRoot);

        assertThat(load(yaml)).isEqualTo(withRoot);
    }

    @Test
    void writingIsByteStable() {
        Experiment e = load(TEXT, "training.eval_batch_size=1000", "optimizer.params.weight_decay=5e-4");
        String first = ExperimentWriter.toYaml(e);

        assertThat(ExperimentWriter.toYaml(e)).isEqualTo(first);
        assertThat(ExperimentWriter.toYaml(load(first))).isEqualTo(first);
        assertThat(ExperimentWriter.toYaml(load(ExperimentWriter.toYaml(load(first)))))
                .isEqualTo(first);
    }

    @Test
    void writesAFileThatLoadsBack() throws IOException {
        Experiment e = load(TEXT, "models.resnet18.params.width=16");
        Path file = dir.resolve("experiment.yaml");

        ExperimentWriter.write(e, file);

        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(ExperimentWriter.toYaml(e));
        assertThat(new ExperimentLoader(FakePlugins.registry()).load(file, List.of()))
                .isEqualTo(e);
    }
}
