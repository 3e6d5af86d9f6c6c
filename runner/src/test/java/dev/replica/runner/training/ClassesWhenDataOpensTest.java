package dev.replica.runner.training;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.ModelPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import dev.replica.core.record.RunFolder;
import dev.replica.core.training.ProgressListener;
import dev.replica.runner.Environment;
import dev.replica.runner.ExperimentRunner;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset that only tells its number of classes once open (the SPI's default) cannot be checked at
 * validation; a model whose classes parameter differs is stopped with a message when the data opens.
 */
class ClassesWhenDataOpensTest {

    @TempDir
    Path dir;

    /** The synthetic dataset, except that it does not tell its classes up front. */
    record Untold(DatasetPlugin inner) implements DatasetPlugin {
        @Override
        public String name() {
            return "untold";
        }

        @Override
        public ParameterSchema schema() {
            return inner.schema();
        }

        @Override
        public DataSplits open(Params params, DataContext context) {
            return inner.open(params, context);
        }
    }

    @Test
    void aModelWhoseClassesDifferStopsWhenTheDataOpens() throws Exception {
        PluginRegistry discovered = PluginRegistry.discover(getClass().getClassLoader());
        PluginRegistry.Builder builder = PluginRegistry.builder();
        for (PluginKind kind : PluginKind.values()) {
            for (Plugin p : discovered.all(kind).values()) {
                builder.add(kind, p);
            }
        }
        PluginRegistry registry = builder.add(PluginKind.DATASET, new Untold(discovered.dataset("synthetic")))
                .build();
        Path file = dir.resolve("untold.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: untold",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 2, determinism: relaxed}", // a dataset of this test's own:
                        // no probe process can load it
                        "dataset: {plugin: untold, params: {train_size: 16, test_size: 8, classes: 4}}",
                        "models:",
                        "  res: {plugin: resnet, params: {width: 2}}",
                        "optimizer: {plugin: sgd}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 1, batch_size: 8}",
                        ""));
        Experiment experiment = new ExperimentLoader(registry).load(file, List.of());
        RunFolder folder = experiment.startFolder(dir.resolve("runs"));
        Map<String, ModelPlugin> models = new TreeMap<>();
        registry.all(PluginKind.MODEL).forEach((name, p) -> models.put(name, (ModelPlugin) p));
        ExperimentRunner runner = new ExperimentRunner(registry, models, Environment.from(Map.of()));

        assertThatThrownBy(() -> runner.run(experiment, folder, ProgressListener.SILENT))
                .isInstanceOf(UserException.class)
                .hasMessage("model 'res' (plugin 'resnet') has classes: 10, but the dataset has 4 classes; "
                        + "set classes: 4 in the model's params");
    }
}
