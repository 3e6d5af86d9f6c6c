package dev.replica.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every experiment file in this folder validates against the plugins that ship with Replica. */
class ExperimentFilesTest {

    private static final PluginRegistry REGISTRY = PluginRegistry.discover(ExperimentFilesTest.class.getClassLoader());

    static Stream<Path> experimentFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("."))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theStudysFilesAreHere() throws IOException {
        assertThat(experimentFiles().map(p -> p.getFileName().toString()))
                .contains(
                        "quickstart.yaml",
                        "resnet18-vs-vgg19bn-cifar10.yaml",
                        "resnet18-vs-vgg19bn-cifar10-cpu.yaml",
                        "he2016-cifar10.yaml",
                        "he2016-cifar10-cpu.yaml");
    }

    @ParameterizedTest
    @MethodSource("experimentFiles")
    void everyFileValidatesAndSurvivesARoundTrip(Path file) {
        ExperimentLoader loader = new ExperimentLoader(REGISTRY);
        Experiment experiment = loader.load(file, List.of());
        String resolved = ExperimentWriter.toYaml(experiment);
        assertThat(loader.read(file + " (resolved)", resolved, List.of())).isEqualTo(experiment);
    }

    @Test
    void theFullRecipeIsTheStudys() {
        Experiment e = new ExperimentLoader(REGISTRY).load(Path.of("resnet18-vs-vgg19bn-cifar10.yaml"), List.of());
        assertThat(e.training().epochs()).isEqualTo(100);
        assertThat(e.training().batchSize()).isEqualTo(128);
        assertThat(e.optimizer().params().getDouble("lr")).isEqualTo(0.1);
        assertThat(e.optimizer().params().getDouble("momentum")).isEqualTo(0.9);
        assertThat(e.optimizer().params().getDouble("weight_decay")).isEqualTo(5e-4);
        assertThat(e.schedule().params().getIntList("milestones")).containsExactly(50, 75);
        assertThat(e.models().get("resnet18").params().getInt("width")).isEqualTo(64);
        assertThat(e.models().get("vgg19bn").params().getInt("width_divisor")).isEqualTo(1);
    }

    /** He et al. 2016, section 4.2: 64k iterations are 182 epochs of the 45k/5k split's 352 steps. */
    @Test
    void theHe2016RecipeIsThePapers() {
        Experiment e = new ExperimentLoader(REGISTRY).load(Path.of("he2016-cifar10.yaml"), List.of());
        assertThat(e.dataset().params().getString("validation")).isEqualTo("holdout");
        assertThat(e.dataset().params().getInt("holdout")).isEqualTo(5000);
        assertThat(e.dataset().params().getString("normalization")).isEqualTo("pixel_mean");
        assertThat(e.training().epochs()).isEqualTo(182);
        assertThat(e.training().batchSize()).isEqualTo(128);
        assertThat(e.optimizer().params().getDouble("lr")).isEqualTo(0.1);
        assertThat(e.optimizer().params().getDouble("momentum")).isEqualTo(0.9);
        assertThat(e.optimizer().params().getDouble("weight_decay")).isEqualTo(1e-4);
        assertThat(e.schedule().params().getIntList("milestones")).containsExactly(32000, 48000);
        assertThat(e.schedule().params().getString("unit")).isEqualTo("iterations");
        assertThat(e.schedule().params().getInt("warmup_iterations")).isEqualTo(400);
        assertThat(e.models().keySet())
                .containsExactly(
                        "plain20",
                        "plain32",
                        "plain44",
                        "plain56",
                        "resnet20",
                        "resnet32",
                        "resnet44",
                        "resnet56",
                        "resnet110");
        e.models().forEach((label, model) -> {
            assertThat(model.plugin()).isEqualTo("cifar-resnet");
            assertThat(label)
                    .isEqualTo((model.params().getBoolean("residual") ? "resnet" : "plain")
                            + model.params().getInt("depth"));
            assertThat(model.params().getString("shortcut")).as(label).isEqualTo("a");
        });
        assertFigure6(e);
        assertThat(e.report().depthStudy().publishedTestError())
                .containsExactly(
                        Map.entry("resnet20", 8.75),
                        Map.entry("resnet32", 7.51),
                        Map.entry("resnet44", 7.17),
                        Map.entry("resnet56", 6.97),
                        Map.entry("resnet110", 6.43));
    }

    /** Figure 6's groups: every plain net in one, every ResNet in the other, each from shallow to deep. */
    private static void assertFigure6(Experiment e) {
        Map<String, List<String>> groups = e.report().depthStudy().groups();
        assertThat(groups.keySet()).containsExactly("plain", "ResNet");
        groups.forEach((group, labels) -> {
            List<Integer> depths = new ArrayList<>();
            for (String label : labels) {
                assertThat(e.models().get(label).params().getBoolean("residual"))
                        .as(label)
                        .isEqualTo(group.equals("ResNet"));
                depths.add(e.models().get(label).params().getInt("depth"));
            }
            assertThat(depths).as(group).isSorted().doesNotHaveDuplicates();
        });
        assertThat(groups.values().stream().mapToInt(List::size).sum())
                .isEqualTo(e.models().size());
    }

    @Test
    void theHe2016CpuFileHasTheShallowestAndDeepestNetsOfFigure6() {
        Experiment e = new ExperimentLoader(REGISTRY).load(Path.of("he2016-cifar10-cpu.yaml"), List.of());
        assertThat(e.models().keySet()).containsExactly("plain20", "plain56", "resnet20", "resnet56");
        assertThat(e.optimizer().params().getDouble("weight_decay")).isEqualTo(1e-4);
        assertThat(e.dataset().params().getInt("limit")).isEqualTo(10000);
        assertFigure6(e);
    }
}
