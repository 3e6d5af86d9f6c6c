package dev.replica.report;

import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Values;
import dev.replica.core.config.ExperimentException;
import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlTree;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The optional {@code report} section: what the report shows besides its table and plots. Today one
 * thing, a depth study (He et al. 2016's Figure 6: nets of one family from shallow to deep, training and
 * test error over the iterations, and whether the deeper trained worse):
 *
 * <pre>
 * report:
 *   depth_study:
 *     title: He et al. 2016, Figure 6       # optional
 *     groups:                               # each list from shallow to deep
 *       plain: [plain20, plain56]
 *       ResNet: [resnet20, resnet56]
 *     published_test_error: {resnet20: 8.75, resnet56: 6.97}   # optional, percent
 * </pre>
 *
 * <p>The same reader serves the experiment file (with line and column) and a run folder's recorded
 * {@code experiment.yaml}, which {@code replica report} reads without the plugins.
 *
 * @param depthStudy the depth study, or {@code null} when the section has none
 */
public record ReportSection(DepthStudy depthStudy) {

    /** The section's keys. */
    static final List<String> KEYS = List.of("depth_study");

    private static final List<String> STUDY_KEYS = List.of("title", "groups", "published_test_error");
    private static final String GROUPS_SHAPE =
            "a mapping of group names to lists of model labels, each list from shallow to deep";
    private static final int MAX_TITLE = 200;
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,39}");

    /**
     * Nets of a family from shallow to deep, to compare as He et al. 2016's Figure 6 does.
     *
     * @param title the figure's title
     * @param groups group name to model labels, each from shallow to deep, in file order
     * @param publishedTestError model label to the test error a paper reports, in percent, in file order
     */
    public record DepthStudy(String title, Map<String, List<String>> groups, Map<String, Double> publishedTestError) {

        /** Copies the maps, keeping their order. */
        public DepthStudy {
            groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
            publishedTestError = Collections.unmodifiableMap(new LinkedHashMap<>(publishedTestError));
        }
    }

    /**
     * Reads a run's recorded section, by the same rules as the experiment file.
     *
     * @param run the run folder's contents
     * @return the section, or {@code null} when the experiment has none
     * @throws ExperimentException when the recorded section is not one that {@code replica run} writes
     */
    public static ReportSection ofRun(RunContents run) {
        return ofRecorded(
                run.folder().resolve(RunFolder.EXPERIMENT),
                run.text(RunFolder.EXPERIMENT),
                new LinkedHashSet<>(run.labels()));
    }

    /**
     * Reads a run folder's recorded section, as {@code replica report} does.
     *
     * @param experimentFile the run folder's {@code experiment.yaml}
     * @param text its text
     * @param models the model labels it names
     * @return the section, or {@code null} when the file has none
     * @throws ExperimentException when the section is not one that {@code replica run} writes
     */
    public static ReportSection ofRecorded(Path experimentFile, String text, Set<String> models) {
        Problems problems = new Problems();
        YamlTree tree = new YamlTree(problems);
        Node root = tree.compose(text, null);
        problems.throwIfAny(experimentFile.toString());
        ReportSection section = null;
        if (root instanceof MappingNode) {
            NodeTuple report = YamlTree.entries((MappingNode) root).get("report");
            section = report == null ? null : read(report.getValueNode(), models, tree, problems);
        }
        problems.throwIfAny(experimentFile.toString());
        return section;
    }

    /** Reads the section, adding a problem for everything wrong in it; {@code null} when there were any. */
    public static ReportSection read(Node node, Set<String> models, YamlTree tree, Problems problems) {
        int before = problems.count();
        Map<String, NodeTuple> entries = mapping("report", node, KEYS, tree, problems);
        DepthStudy study = null;
        if (entries != null && entries.containsKey("depth_study")) {
            study = depthStudy(entries.get("depth_study").getValueNode(), models, tree, problems);
        }
        return problems.count() == before ? new ReportSection(study) : null;
    }

    private static DepthStudy depthStudy(Node node, Set<String> models, YamlTree tree, Problems problems) {
        String path = "report.depth_study";
        Map<String, NodeTuple> entries = mapping(path, node, STUDY_KEYS, tree, problems);
        if (entries == null) {
            return null;
        }
        String title = "Depth study";
        NodeTuple titleTuple = entries.get("title");
        if (titleTuple != null) {
            Node value = titleTuple.getValueNode();
            String text =
                    value instanceof ScalarNode && !YamlTree.isNull(value) ? ((ScalarNode) value).getValue() : null;
            if (text == null
                    || text.isBlank()
                    || text.length() > MAX_TITLE
                    || !text.chars().allMatch(c -> c >= ' ')) {
                problems.at(
                        path + ".title",
                        value,
                        tree.describe(value) + " is not allowed; allowed: a line of text of 1 to " + MAX_TITLE
                                + " characters");
            } else {
                title = text.strip();
            }
        }
        Map<String, List<String>> groups =
                groups(path + ".groups", entries.get("groups"), node, models, tree, problems);
        Map<String, Double> published = new LinkedHashMap<>();
        NodeTuple publishedTuple = entries.get("published_test_error");
        if (publishedTuple != null) {
            String at = path + ".published_test_error";
            Map<String, NodeTuple> errors = mapping(at, publishedTuple.getValueNode(), null, tree, problems);
            if (errors != null) {
                for (Map.Entry<String, NodeTuple> e : errors.entrySet()) {
                    String key = YamlTree.child(at, e.getKey());
                    if (!models.contains(e.getKey())) {
                        problems.at(key, e.getValue().getKeyNode(), unknownModel(e.getKey(), models));
                        continue;
                    }
                    Node value = e.getValue().getValueNode();
                    Object number = tree.toJava(value);
                    if (!(number instanceof Number)
                            || !(((Number) number).doubleValue() >= 0)
                            || ((Number) number).doubleValue() > 100) {
                        problems.at(
                                key,
                                value,
                                tree.describe(value)
                                        + " is not allowed; allowed: a number from 0 to 100, the error in percent");
                        continue;
                    }
                    published.put(e.getKey(), ((Number) number).doubleValue());
                }
            }
        }
        return groups == null ? null : new DepthStudy(title, groups, published);
    }

    private static Map<String, List<String>> groups(
            String path, NodeTuple tuple, Node study, Set<String> models, YamlTree tree, Problems problems) {
        if (tuple == null) {
            problems.at(path, study, "missing required key; allowed: " + GROUPS_SHAPE);
            return null;
        }
        Map<String, NodeTuple> entries = mapping(path, tuple.getValueNode(), null, tree, problems);
        if (entries == null) {
            return null;
        }
        if (entries.isEmpty()) {
            problems.at(path, tuple.getValueNode(), "an empty mapping is not allowed; allowed: " + GROUPS_SHAPE);
            return null;
        }
        int before = problems.count();
        Map<String, List<String>> groups = new LinkedHashMap<>();
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            String key = YamlTree.child(path, e.getKey());
            if (!GROUP.matcher(e.getKey()).matches()) {
                problems.at(
                        key,
                        e.getValue().getKeyNode(),
                        "the group name " + Values.render(e.getKey())
                                + " is not allowed; allowed: a name matching " + GROUP.pattern()
                                + " (it names the group's plot)");
                continue;
            }
            Node value = e.getValue().getValueNode();
            if (!(value instanceof SequenceNode)
                    || ((SequenceNode) value).getValue().isEmpty()) {
                problems.at(
                        key,
                        value,
                        tree.describe(value) + " is not allowed; allowed: a list of one or more "
                                + "model labels, from shallow to deep");
                continue;
            }
            List<String> labels = new ArrayList<>();
            List<Node> items = ((SequenceNode) value).getValue();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String at = key + "[" + i + "]";
                String label =
                        item instanceof ScalarNode && !YamlTree.isNull(item) ? ((ScalarNode) item).getValue() : null;
                if (label == null || !models.contains(label)) {
                    problems.at(
                            at,
                            item,
                            label == null
                                    ? tree.describe(item) + " is not a model label; allowed: one of " + models
                                    : unknownModel(label, models));
                } else if (groupOf.containsKey(label)) {
                    problems.at(
                            at,
                            item,
                            "model '" + label + "' is already in group '" + groupOf.get(label)
                                    + "'; allowed: each model in one group, once");
                } else {
                    groupOf.put(label, e.getKey());
                    labels.add(label);
                }
            }
            groups.put(e.getKey(), labels);
        }
        return problems.count() == before ? groups : null;
    }

    private static String unknownModel(String label, Set<String> models) {
        return Values.render(label) + " is not a model of this file; allowed: one of " + models;
    }

    /** The entries of a mapping, refusing keys outside {@code keys} (any key when it is null). */
    private static Map<String, NodeTuple> mapping(
            String path, Node node, List<String> keys, YamlTree tree, Problems problems) {
        if (!(node instanceof MappingNode)) {
            problems.at(
                    path,
                    node,
                    tree.describe(node) + " is not a mapping"
                            + (keys == null ? "" : "; allowed: a mapping with keys " + keys));
            return null;
        }
        Map<String, NodeTuple> entries = YamlTree.entries((MappingNode) node);
        if (keys != null) {
            for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
                if (!keys.contains(e.getKey())) {
                    problems.at(
                            YamlTree.child(path, e.getKey()),
                            e.getValue().getKeyNode(),
                            ParameterSchema.unknownKeyMessage(e.getKey(), keys));
                }
            }
        }
        return entries;
    }
}
