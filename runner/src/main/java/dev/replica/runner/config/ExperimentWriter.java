package dev.replica.runner.config;

import static dev.replica.core.config.YamlNodes.block;
import static dev.replica.core.config.YamlNodes.entry;
import static dev.replica.core.config.YamlNodes.scalar;

import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.Training;
import dev.replica.report.ReportSection;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Writes an {@link Experiment} back as an experiment file: the resolved file of a run folder, with
 * every parameter of every plugin in its schema's order (defaults filled in), one seed as
 * {@code seed: N} and several as {@code seeds: [...]}. The text is a pure function of the experiment
 * (no hash order, no time), so it is byte-for-byte the same on every run, and loading it again gives
 * an equal experiment.
 */
public final class ExperimentWriter {

    private static final String HEADER =
            "# Resolved experiment: every default filled in, every --set override applied.\n";

    private ExperimentWriter() {}

    /**
     * Renders an experiment as YAML.
     *
     * @param experiment the experiment
     * @return the text, with {@code \n} line ends
     */
    public static String toYaml(Experiment experiment) {
        List<NodeTuple> top = new ArrayList<>();
        top.add(entry("replica", scalar(experiment.format())));
        top.add(entry("name", scalar(experiment.name())));
        if (experiment.seeds().size() == 1) {
            top.add(entry("seed", scalar(experiment.seeds().get(0))));
        } else {
            top.add(entry("seeds", scalar(experiment.seeds())));
        }
        List<NodeTuple> engine = new ArrayList<>();
        engine.add(entry("plugin", scalar(experiment.engine().plugin())));
        engine.addAll(values(experiment.engine().params().asMap()));
        top.add(entry("engine", block(engine)));
        top.add(entry("dataset", pluginUse(experiment.dataset())));
        List<NodeTuple> models = new ArrayList<>();
        for (Map.Entry<String, PluginUse> e : experiment.models().entrySet()) {
            models.add(entry(e.getKey(), pluginUse(e.getValue())));
        }
        top.add(entry("models", block(models)));
        top.add(entry("optimizer", pluginUse(experiment.optimizer())));
        top.add(entry("schedule", pluginUse(experiment.schedule())));
        Training t = experiment.training();
        top.add(entry(
                "training",
                block(List.of(
                        entry("epochs", scalar(t.epochs())),
                        entry("batch_size", scalar(t.batchSize())),
                        entry("eval_batch_size", scalar(t.evalBatchSize()))))));
        // Tools' sections before report, where check: has always been written.
        for (Sections.Entry<?> section : experiment.sections().entries()) {
            top.add(entry(section.owner().key(), write(section)));
        }
        if (experiment.report() != null) {
            top.add(entry("report", report(experiment.report())));
        }

        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(Integer.MAX_VALUE);
        options.setSplitLines(false);
        options.setLineBreak(DumperOptions.LineBreak.UNIX);
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(options), options);
        StringWriter out = new StringWriter();
        yaml.serialize(block(top), out);
        return HEADER + out;
    }

    /**
     * Writes an experiment to a file as UTF-8 (the run folder's {@code experiment.yaml}).
     *
     * @param experiment the experiment
     * @param file the file to create or replace
     * @throws IOException when the file cannot be written
     */
    public static void write(Experiment experiment, Path file) throws IOException {
        SafeFiles.writeAtomically(file, toYaml(experiment));
    }

    private static Node pluginUse(PluginUse use) {
        List<NodeTuple> tuples = new ArrayList<>();
        tuples.add(entry("plugin", scalar(use.plugin())));
        if (!use.params().asMap().isEmpty()) {
            tuples.add(entry("params", block(values(use.params().asMap()))));
        }
        if (use.weights() != null) {
            tuples.add(entry("weights", scalar(use.weights().toString())));
        }
        return block(tuples);
    }

    private static <T> Node write(Sections.Entry<T> section) {
        return section.owner().write(section.value());
    }

    /** The {@code report} section: a depth study's groups and published errors as flow collections. */
    private static Node report(ReportSection report) {
        List<NodeTuple> tuples = new ArrayList<>();
        ReportSection.DepthStudy study = report.depthStudy();
        if (study != null) {
            List<NodeTuple> groups = new ArrayList<>();
            study.groups().forEach((group, labels) -> groups.add(entry(group, scalar(labels))));
            List<NodeTuple> published = new ArrayList<>();
            study.publishedTestError().forEach((label, error) -> published.add(entry(label, scalar(error))));
            List<NodeTuple> fields = new ArrayList<>();
            fields.add(entry("title", scalar(study.title())));
            fields.add(entry("groups", block(groups)));
            fields.add(
                    entry("published_test_error", new MappingNode(Tag.MAP, published, DumperOptions.FlowStyle.FLOW)));
            tuples.add(entry("depth_study", block(fields)));
        }
        return tuples.isEmpty() ? new MappingNode(Tag.MAP, tuples, DumperOptions.FlowStyle.FLOW) : block(tuples);
    }

    private static List<NodeTuple> values(Map<String, Object> params) {
        List<NodeTuple> tuples = new ArrayList<>();
        for (Map.Entry<String, Object> e : params.entrySet()) {
            tuples.add(entry(e.getKey(), scalar(e.getValue())));
        }
        return tuples;
    }
}
