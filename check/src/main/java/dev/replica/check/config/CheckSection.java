package dev.replica.check.config;

import dev.replica.api.Plugin;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.params.Values;
import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlNodes;
import dev.replica.core.config.YamlTree;
import dev.replica.core.training.Training;
import dev.replica.runner.config.ExperimentSection;
import dev.replica.runner.config.PluginUse;
import dev.replica.runner.config.SectionContext;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The experiment file's optional {@code check} section, which this module owns: read into a {@link Check},
 * with a problem for everything wrong in it in the layout of the rest of the file (key path, line:column,
 * the value and what is allowed), and written back with every default filled in.
 */
public final class CheckSection implements ExperimentSection<Check> {

    /** The section, to look it up in an experiment: {@code experiment.section(CheckSection.SECTION)}. */
    public static final CheckSection SECTION = new CheckSection();

    /** The keys of the section, in the order the resolved file writes them. */
    static final List<String> KEYS =
            List.of("engines", "steps", "record_params_every", "rerun", "tolerances", "outcome");

    /** The most steps a lockstep check compares: each is recorded, so a typo would fill the disk. */
    private static final int MAX_STEPS = 1_000_000;

    private static final List<String> OUTCOME_KEYS = List.of("seeds", "epochs", "margins", "alpha");
    private static final ParameterSpec SEEDS = ParameterSpec.integer(
                    "seeds", "runs per engine, from the file's first seed up; 3 or more to decide")
            .atLeast(1)
            .atMost(1000);
    private static final ParameterSpec EPOCHS =
            ParameterSpec.integer("epochs", "epochs each run trains").atLeast(1).atMost(Training.MAX_EPOCHS);
    private static final ParameterSpec ALPHA = ParameterSpec.real("alpha", "error rate of each one-sided test")
            .withDefault(0.05)
            .greaterThan(0)
            .lessThan(0.5);
    private static final ParameterSpec MARGIN = ParameterSpec.real(
                    "margin", "largest mean difference that counts as the same")
            .greaterThan(0);

    private static final List<String> TOLERANCE_KEYS =
            List.of("metric", "absolute", "relative", "noise_floor", "steps");
    private static final List<String> BOUND_KEYS = List.of("absolute", "relative", "noise_floor");
    private static final String SHAPE = "a mapping with keys " + KEYS;
    private static final String RANGE_RULE = "[<first>, <last>] with 0 <= first <= last";
    private static final String TOLERANCE_SHAPE = "{metric: <one of " + Tolerance.METRICS
            + ">, absolute or relative: <number >= 0> (or noise_floor: <factor >= 1>), steps: " + RANGE_RULE
            + " (optional)}";
    private static final Pattern PROBLEM_KEY = Pattern.compile("([^\\[]*)(?:\\[([0-9]+)\\])?");

    private static final ParameterSpec STEPS = ParameterSpec.integer(
                    "steps", "training steps to compare; default one epoch")
            .atLeast(1)
            .atMost(MAX_STEPS);
    private static final ParameterSpec EVERY = ParameterSpec.integer(
                    "record_params_every", "measure parameter differences after steps 0, k, 2k, ... and the last")
            .withDefault(1)
            .atLeast(1)
            .atMost(MAX_STEPS);
    private static final ParameterSpec RERUN = ParameterSpec.bool(
                    "rerun", "rerun the first engine and demand bit-identity")
            .withDefault(true);
    private static final ParameterSpec METRIC =
            ParameterSpec.string("metric", "what the band bounds").allowing(Tolerance.METRICS.toArray());
    private static final ParameterSpec ABSOLUTE =
            ParameterSpec.real("absolute", "largest absolute difference").atLeast(0);
    private static final ParameterSpec RELATIVE =
            ParameterSpec.real("relative", "largest relative difference").atLeast(0);
    private static final ParameterSpec NOISE_FLOOR = ParameterSpec.real(
                    "noise_floor", "largest difference as a multiple of the noise floor")
            .atLeast(1);
    private static final ParameterSpec RANGE = ParameterSpec.integerList(
                    "steps", "first and last step the band applies to")
            .atLeast(0)
            .atMost(MAX_STEPS);

    private final PluginRegistry registry;
    private final YamlTree tree;
    private final Problems problems;

    /** The section as ServiceLoader makes it. */
    public CheckSection() {
        this(null, null, null);
    }

    private CheckSection(PluginRegistry registry, YamlTree tree, Problems problems) {
        this.registry = registry;
        this.tree = tree;
        this.problems = problems;
    }

    @Override
    public String key() {
        return "check";
    }

    @Override
    public Class<Check> type() {
        return Check.class;
    }

    @Override
    public Check read(Node node, SectionContext context) {
        return new CheckSection(context.registry(), context.tree(), context.problems()).read(node, context.engine());
    }

    /**
     * Reads the section.
     *
     * @param node the value of {@code check}; a YAML null is an empty section
     * @param engine the experiment's engine section, or {@code null} when it has problems
     * @return the section, or {@code null} when problems were added
     */
    Check read(Node node, PluginUse engine) {
        Map<String, NodeTuple> entries = Map.of();
        if (!YamlTree.isNull(node)) {
            if (!(node instanceof MappingNode)) {
                problems.at("check", node, tree.describe(node) + " is not a mapping; allowed: " + SHAPE);
                return null;
            }
            entries = YamlTree.entries((MappingNode) node);
        }
        int before = problems.count();
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                problems.at(
                        YamlTree.child("check", e.getKey()),
                        e.getValue().getKeyNode(),
                        ParameterSchema.unknownKeyMessage(e.getKey(), KEYS));
            }
        }
        List<String> engines = engines(node, entries.get("engines"), engine);
        Map<String, Object> options = values(
                "check",
                node,
                entries,
                entries.containsKey("steps") ? List.of(STEPS, EVERY, RERUN) : List.of(EVERY, RERUN));
        OptionalInt steps = options != null && options.containsKey("steps")
                ? OptionalInt.of((Integer) options.get("steps"))
                : OptionalInt.empty();
        List<Tolerance> tolerances = tolerances(entries.get("tolerances"), steps);
        // outcome: null (e.g. --set check.outcome=null) runs the operator level alone.
        Optional<OutcomeCheck> outcome = entries.containsKey("outcome")
                        && !YamlTree.isNull(entries.get("outcome").getValueNode())
                ? outcome(entries.get("outcome").getValueNode())
                : Optional.empty();
        if (problems.count() != before) {
            return null;
        }
        return new Check(
                engines,
                steps,
                (Integer) options.get("record_params_every"),
                (Boolean) options.get("rerun"),
                tolerances,
                outcome);
    }

    private Optional<OutcomeCheck> outcome(Node node) {
        String shape = "a mapping with keys " + OUTCOME_KEYS + ", e.g. {seeds: 5, epochs: 3, margins: "
                + "{eval_accuracy: 0.03}}";
        if (!(node instanceof MappingNode)) {
            problems.at("check.outcome", node, tree.describe(node) + " is not a mapping; allowed: " + shape);
            return Optional.empty();
        }
        int before = problems.count();
        Map<String, NodeTuple> entries = YamlTree.entries((MappingNode) node);
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!OUTCOME_KEYS.contains(e.getKey())) {
                problems.at(
                        YamlTree.child("check.outcome", e.getKey()),
                        e.getValue().getKeyNode(),
                        ParameterSchema.unknownKeyMessage(e.getKey(), OUTCOME_KEYS));
            }
        }
        List<ParameterSpec> specs = new ArrayList<>(List.of(SEEDS, ALPHA));
        if (entries.containsKey("epochs")) {
            specs.add(EPOCHS);
        }
        Map<String, Object> v = values("check.outcome", node, entries, specs);
        SortedMap<String, Double> margins = new TreeMap<>();
        NodeTuple m = entries.get("margins");
        String rule = "a mapping from " + OutcomeCheck.METRICS + " to a number > 0, e.g. {eval_accuracy: 0.03}";
        if (m == null) {
            problems.at("check.outcome", node, "missing key margins; allowed: " + rule);
        } else if (!(m.getValueNode() instanceof MappingNode) || entries(m).isEmpty()) {
            problems.at(
                    "check.outcome.margins",
                    m.getValueNode(),
                    tree.describe(m.getValueNode()) + " is not allowed; allowed: " + rule);
        } else {
            for (Map.Entry<String, NodeTuple> e : entries(m).entrySet()) {
                String path = YamlTree.child("check.outcome.margins", e.getKey());
                if (!OutcomeCheck.METRICS.contains(e.getKey())) {
                    problems.at(
                            path,
                            e.getValue().getKeyNode(),
                            ParameterSchema.unknownKeyMessage(e.getKey(), OutcomeCheck.METRICS));
                    continue;
                }
                ParameterSchema.Validation check = ParameterSchema.of(MARGIN)
                        .validate(Map.of("margin", tree.toJava(e.getValue().getValueNode())));
                if (!check.valid()) {
                    problems.at(
                            path,
                            e.getValue().getValueNode(),
                            check.problems().get(0).message());
                } else {
                    margins.put(e.getKey(), check.params().getDouble("margin"));
                }
            }
        }
        if (problems.count() != before || v == null) {
            return Optional.empty();
        }
        return Optional.of(new OutcomeCheck(
                (Integer) v.get("seeds"),
                v.containsKey("epochs") ? OptionalInt.of((Integer) v.get("epochs")) : OptionalInt.empty(),
                margins,
                (Double) v.get("alpha")));
    }

    private static Map<String, NodeTuple> entries(NodeTuple mapping) {
        return YamlTree.entries((MappingNode) mapping.getValueNode());
    }

    private List<String> engines(Node section, NodeTuple tuple, PluginUse engine) {
        List<String> available = new ArrayList<>(registry.all(PluginKind.ENGINE).keySet());
        String rule = "two engine plugins from " + available + ", e.g. [pytorch, mxnet]";
        int before = problems.count();
        if (tuple == null) {
            List<String> defaults = Check.defaultEngines(engine.plugin(), available);
            if (defaults.size() < 2) {
                problems.at(
                        "check.engines",
                        section,
                        "the default compares engine '" + engine.plugin()
                                + "' with another engine plugin, and there is none; allowed: " + rule);
            } else {
                // The other engine runs with the same parameters: they must be ones it takes (memory_format).
                fits("check.engines (default " + defaults + ")", section, defaults.get(1), engine);
            }
            return problems.count() == before ? defaults : null;
        }
        Node value = tuple.getValueNode();
        if (!(value instanceof SequenceNode)) {
            problems.at("check.engines", value, tree.describe(value) + " is not a list; allowed: " + rule);
            return null;
        }
        List<Node> items = ((SequenceNode) value).getValue();
        if (items.size() != 2) {
            problems.at(
                    "check.engines",
                    value,
                    tree.describe(value) + " has " + items.size() + (items.size() == 1 ? " engine" : " engines")
                            + "; allowed: " + rule);
            return null;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "check.engines[" + i + "]";
            Node item = items.get(i);
            String name = item instanceof ScalarNode && !YamlTree.isNull(item) ? ((ScalarNode) item).getValue() : null;
            if (name == null) {
                problems.at(path, item, tree.describe(item) + " is not a string; allowed: " + available);
            } else if (!registry.has(PluginKind.ENGINE, name)) {
                String near = Values.closest(name, available);
                problems.at(
                        path,
                        item,
                        registry.unknownMessage(PluginKind.ENGINE, name)
                                + (near == null ? "" : "; did you mean '" + near + "'?"));
            } else {
                fits(path, item, name, engine);
                names.add(name);
            }
        }
        return problems.count() == before ? names : null;
    }

    /** Adds a problem when the engine section's parameters do not fit another engine's schema. */
    private void fits(String path, Node at, String name, PluginUse engine) {
        if (engine == null || engine.plugin().equals(name)) {
            return;
        }
        Plugin plugin = registry.get(PluginKind.ENGINE, name);
        ParameterSchema.Validation v =
                SectionContext.engineSchema(plugin).validate(engine.params().asMap());
        if (!v.valid()) {
            ParameterProblem p = v.problems().get(0);
            problems.at(
                    path,
                    at,
                    "the engine section's parameters do not fit engine '" + name + "': " + p.key() + ": "
                            + p.message());
        }
    }

    private List<Tolerance> tolerances(NodeTuple tuple, OptionalInt steps) {
        if (tuple == null) {
            return Check.DEFAULT_TOLERANCES;
        }
        Node value = tuple.getValueNode();
        if (!(value instanceof SequenceNode)) {
            problems.at(
                    "check.tolerances",
                    value,
                    tree.describe(value) + " is not a list; allowed: a list of " + TOLERANCE_SHAPE
                            + ", or [] to demand bit-identity");
            return null;
        }
        int before = problems.count();
        List<Tolerance> tolerances = new ArrayList<>();
        List<Node> items = ((SequenceNode) value).getValue();
        for (int i = 0; i < items.size(); i++) {
            Tolerance t = tolerance("check.tolerances[" + i + "]", items.get(i), steps);
            if (t != null) {
                tolerances.add(t);
            }
        }
        return problems.count() == before ? tolerances : null;
    }

    private Tolerance tolerance(String path, Node node, OptionalInt steps) {
        if (!(node instanceof MappingNode)) {
            problems.at(path, node, tree.describe(node) + " is not a mapping; allowed: " + TOLERANCE_SHAPE);
            return null;
        }
        int before = problems.count();
        Map<String, NodeTuple> entries = YamlTree.entries((MappingNode) node);
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!TOLERANCE_KEYS.contains(e.getKey())) {
                problems.at(
                        YamlTree.child(path, e.getKey()),
                        e.getValue().getKeyNode(),
                        ParameterSchema.unknownKeyMessage(e.getKey(), TOLERANCE_KEYS));
            }
        }
        List<ParameterSpec> specs = new ArrayList<>(List.of(METRIC));
        List<NodeTuple> bounds = new ArrayList<>();
        for (String key : BOUND_KEYS) {
            NodeTuple t = entries.get(key);
            if (t != null) {
                bounds.add(t);
                specs.add(key.equals("absolute") ? ABSOLUTE : key.equals("relative") ? RELATIVE : NOISE_FLOOR);
            }
        }
        if (entries.containsKey("steps")) {
            specs.add(RANGE);
        }
        Map<String, Object> v = values(path, node, entries, specs);
        if (bounds.isEmpty()) {
            problems.at(
                    path,
                    node,
                    "missing key absolute, relative or noise_floor; allowed: one of them (absolute or relative a "
                            + "number >= 0, noise_floor a factor >= 1)");
        } else if (bounds.size() > 1) {
            bounds.sort((x, y) -> isBefore(x.getKeyNode(), y.getKeyNode()) ? -1 : 1);
            NodeTuple later = bounds.get(1);
            problems.at(
                    YamlTree.child(path, YamlTree.keyText(later.getKeyNode())),
                    later.getKeyNode(),
                    "give one of absolute, relative or noise_floor, not " + (bounds.size() == 2 ? "both" : "several"));
        } else if (v != null) {
            String key = YamlTree.keyText(bounds.get(0).getKeyNode());
            Tolerance.Metric metric = Tolerance.Metric.of((String) v.get("metric"));
            boolean floor = key.equals("noise_floor");
            boolean replayed = metric.source() == Tolerance.Metric.Source.REPLAY;
            if ((floor && !Tolerance.NOISE_FLOOR_METRICS.contains(metric.key())) || (!floor && replayed)) {
                problems.at(YamlTree.child(path, key), bounds.get(0).getKeyNode(), Tolerance.boundRule(metric.key()));
            }
        }
        Tolerance.StepRange range = v == null || !v.containsKey("steps")
                ? null
                : range(
                        path,
                        entries.get("steps").getValueNode(),
                        castList(v.get("steps")),
                        (String) v.get("metric"),
                        steps);
        if (problems.count() != before) {
            return null;
        }
        String key = YamlTree.keyText(bounds.get(0).getKeyNode());
        Tolerance.Bound bound = Arrays.stream(Tolerance.Bound.values())
                .filter(b -> b.key().equals(key))
                .findFirst()
                .orElseThrow();
        return new Tolerance((String) v.get("metric"), bound, (Double) v.get(key), range);
    }

    private Tolerance.StepRange range(String path, Node node, List<Integer> steps, String metric, OptionalInt count) {
        String at = YamlTree.child(path, "steps");
        if (Tolerance.FINAL_METRICS.contains(metric)) {
            problems.at(at, node, metric + " is measured once, after the last step; allowed: no steps");
            return null;
        }
        if (steps.size() != 2 || steps.get(0) > steps.get(1)) {
            problems.at(at, node, Values.render(steps) + " is not allowed; allowed: " + RANGE_RULE);
            return null;
        }
        if (count.isPresent() && steps.get(0) >= count.getAsInt()) {
            problems.at(
                    at,
                    node,
                    Values.render(steps) + " starts after the last compared step, " + (count.getAsInt() - 1)
                            + " (check.steps is " + count.getAsInt() + ")");
            return null;
        }
        return new Tolerance.StepRange(steps.get(0), steps.get(1));
    }

    /** Whether {@code a} comes before {@code b} in the file; nodes made by --set come last. */
    private static boolean isBefore(Node a, Node b) {
        return b.getStartMark() == null
                || (a.getStartMark() != null
                        && a.getStartMark().getIndex() < b.getStartMark().getIndex());
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> castList(Object list) {
        return (List<Integer>) list;
    }

    /**
     * Validates the keys of {@code specs} that the mapping has (and those without a default that it
     * lacks), reporting each problem at its value, list element or the enclosing mapping. Unknown keys
     * are reported by the caller.
     *
     * @return the typed values with defaults filled in, or {@code null} when there were problems
     */
    private Map<String, Object> values(
            String path, Node mapping, Map<String, NodeTuple> entries, List<ParameterSpec> specs) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            NodeTuple t = entries.get(spec.key());
            if (t != null) {
                raw.put(spec.key(), tree.toJava(t.getValueNode()));
            }
        }
        ParameterSchema.Validation v =
                ParameterSchema.of(specs.toArray(new ParameterSpec[0])).validate(raw);
        for (ParameterProblem p : v.problems()) {
            problems.at(YamlTree.child(path, p.key()), locate(p.key(), entries, mapping), p.message());
        }
        Params params = v.params();
        return params == null ? null : params.asMap();
    }

    private static Node locate(String key, Map<String, NodeTuple> entries, Node mapping) {
        Matcher m = PROBLEM_KEY.matcher(key);
        if (!m.matches() || !entries.containsKey(m.group(1))) {
            return mapping;
        }
        Node node = entries.get(m.group(1)).getValueNode();
        if (m.group(2) != null && node instanceof SequenceNode) {
            List<Node> items = ((SequenceNode) node).getValue();
            int i = Integer.parseInt(m.group(2));
            if (i < items.size()) {
                return items.get(i);
            }
        }
        return node;
    }

    /**
     * The {@code check} section with every default filled in, except {@code steps}, which is left out
     * when the file leaves it to the data (one epoch); each band is one flow mapping.
     */
    @Override
    public Node write(Check check) {
        List<NodeTuple> tuples = new ArrayList<>();
        tuples.add(YamlNodes.entry("engines", YamlNodes.scalar(check.engines())));
        if (check.steps().isPresent()) {
            tuples.add(YamlNodes.entry("steps", YamlNodes.scalar(check.steps().getAsInt())));
        }
        tuples.add(YamlNodes.entry("record_params_every", YamlNodes.scalar(check.recordParamsEvery())));
        tuples.add(YamlNodes.entry("rerun", YamlNodes.scalar(check.rerun())));
        List<Node> bands = new ArrayList<>();
        for (Tolerance t : check.tolerances()) {
            List<NodeTuple> band = new ArrayList<>();
            band.add(YamlNodes.entry("metric", YamlNodes.scalar(t.metric())));
            band.add(YamlNodes.entry(t.bound().key(), YamlNodes.scalar(t.limit())));
            if (t.steps() != null) {
                band.add(YamlNodes.entry(
                        "steps",
                        YamlNodes.scalar(List.of(t.steps().first(), t.steps().last()))));
            }
            bands.add(YamlNodes.flow(band));
        }
        tuples.add(YamlNodes.entry(
                "tolerances",
                new SequenceNode(
                        Tag.SEQ,
                        bands,
                        bands.isEmpty() ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK)));
        check.outcome().ifPresent(o -> {
            List<NodeTuple> outcome = new ArrayList<>();
            outcome.add(YamlNodes.entry("seeds", YamlNodes.scalar(o.seeds())));
            if (o.epochs().isPresent()) {
                outcome.add(
                        YamlNodes.entry("epochs", YamlNodes.scalar(o.epochs().getAsInt())));
            }
            List<NodeTuple> margins = new ArrayList<>();
            o.margins().forEach((metric, margin) -> margins.add(YamlNodes.entry(metric, YamlNodes.scalar(margin))));
            outcome.add(YamlNodes.entry("margins", YamlNodes.flow(margins)));
            outcome.add(YamlNodes.entry("alpha", YamlNodes.scalar(o.alpha())));
            tuples.add(YamlNodes.entry("outcome", YamlNodes.block(outcome)));
        });
        return YamlNodes.block(tuples);
    }
}
