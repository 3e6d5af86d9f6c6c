package dev.replica.runner.config;

import dev.replica.api.params.Values;
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
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

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

    private static final Resolver RESOLVER = new Resolver();

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
        if (experiment.check() != null) {
            top.add(entry("check", check(experiment.check())));
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

    /**
     * The {@code check} section with every default filled in, except {@code steps}, which is left out
     * when the file leaves it to the data (one epoch); each band is one flow mapping.
     */
    private static Node check(Check check) {
        List<NodeTuple> tuples = new ArrayList<>();
        tuples.add(entry("engines", scalar(check.engines())));
        if (check.steps().isPresent()) {
            tuples.add(entry("steps", scalar(check.steps().getAsInt())));
        }
        tuples.add(entry("record_params_every", scalar(check.recordParamsEvery())));
        tuples.add(entry("rerun", scalar(check.rerun())));
        List<Node> bands = new ArrayList<>();
        for (Tolerance t : check.tolerances()) {
            List<NodeTuple> band = new ArrayList<>();
            band.add(entry("metric", scalar(t.metric())));
            band.add(entry(t.bound().key(), scalar(t.limit())));
            if (t.steps() != null) {
                band.add(entry(
                        "steps", scalar(List.of(t.steps().first(), t.steps().last()))));
            }
            bands.add(new MappingNode(Tag.MAP, band, DumperOptions.FlowStyle.FLOW));
        }
        tuples.add(entry(
                "tolerances",
                new SequenceNode(
                        Tag.SEQ,
                        bands,
                        bands.isEmpty() ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK)));
        check.outcome().ifPresent(o -> {
            List<NodeTuple> outcome = new ArrayList<>();
            outcome.add(entry("seeds", scalar(o.seeds())));
            if (o.epochs().isPresent()) {
                outcome.add(entry("epochs", scalar(o.epochs().getAsInt())));
            }
            List<NodeTuple> margins = new ArrayList<>();
            o.margins().forEach((metric, margin) -> margins.add(entry(metric, scalar(margin))));
            outcome.add(entry("margins", new MappingNode(Tag.MAP, margins, DumperOptions.FlowStyle.FLOW)));
            outcome.add(entry("alpha", scalar(o.alpha())));
            tuples.add(entry("outcome", block(outcome)));
        });
        return block(tuples);
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

    private static NodeTuple entry(String key, Node value) {
        return new NodeTuple(scalar(key), value);
    }

    private static MappingNode block(List<NodeTuple> tuples) {
        return new MappingNode(Tag.MAP, new ArrayList<>(tuples), DumperOptions.FlowStyle.BLOCK);
    }

    /**
     * A value as a node: strings plain (the emitter quotes those that would read as another type),
     * numbers as {@link Values#formatNumber} writes them, lists in flow style ({@code [50, 75]}).
     */
    private static Node scalar(Object value) {
        if (value instanceof List) {
            List<Node> items = new ArrayList<>();
            for (Object item : (List<?>) value) {
                items.add(scalar(item));
            }
            return new SequenceNode(Tag.SEQ, items, DumperOptions.FlowStyle.FLOW);
        }
        if (value instanceof String) {
            return new ScalarNode(Tag.STR, (String) value, null, null, DumperOptions.ScalarStyle.PLAIN);
        }
        String text;
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            // formatNumber writes -0.0 as 0, which would read back as a different Double.
            text = d == 0 ? Double.toString(d) : Values.formatNumber(d);
        } else if (value instanceof Number || value instanceof Boolean) {
            text = value.toString();
        } else {
            throw new IllegalArgumentException("cannot write a parameter value of type "
                    + (value == null ? "null" : value.getClass().getName()));
        }
        return new ScalarNode(
                RESOLVER.resolve(NodeId.scalar, text, true), text, null, null, DumperOptions.ScalarStyle.PLAIN);
    }
}
