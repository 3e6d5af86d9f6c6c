package dev.replica.runner.config;

import dev.replica.api.DatasetPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.params.Values;
import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlTree;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.Training;
import dev.replica.report.ReportSection;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Walks a composed experiment file section by section and turns it into an {@link Experiment}, adding
 * a problem for everything wrong: unknown keys (with a suggestion), missing keys, wrong types, values
 * out of range or not allowed, unknown plugins, and every problem of every plugin's parameters as its
 * {@link ParameterSchema} reports it. Each problem is placed at the value, key or enclosing mapping
 * it is about.
 */
final class ExperimentValidator {

    /** The only format version there is. */
    static final int FORMAT = 1;

    /** The runner's top-level keys, in the order the resolved file writes them; tools' sections follow. */
    static final List<String> TOP_KEYS = List.of(
            "replica",
            "name",
            "seed",
            "seeds",
            "engine",
            "dataset",
            "models",
            "optimizer",
            "schedule",
            "training",
            "report",
            "cluster");

    static final String TOP_LEVEL_SHAPE = "a mapping with replica, name, seed or seeds, engine, dataset, models, "
            + "optimizer, schedule and training";

    static final Pattern NAME = RunFolder.NAME;
    private static final String NAME_RULE = "a string matching [a-z0-9][a-z0-9._-]*";
    static final Pattern LABEL = RunFolder.LABEL;
    private static final String LABEL_RULE = "a label matching [a-z0-9][a-z0-9_-]*";
    private static final List<String> PLUGIN_KEYS = List.of("plugin", "params");
    private static final List<String> MODEL_KEYS = List.of("plugin", "params", "weights");
    private static final String TRAINING_SHAPE = "{epochs: <integer >= 1>, batch_size: <integer >= 1>}";
    private static final Pattern PROBLEM_KEY = Pattern.compile("([^\\[]*)((?:\\[[0-9]+\\])*)");
    private static final Pattern INDEX = Pattern.compile("\\[([0-9]+)\\]");

    private static final ParameterSchema FORMAT_SCHEMA =
            ParameterSchema.of(ParameterSpec.integer("replica", "format version of the experiment file")
                    .allowing(FORMAT));

    /** Where a sweep's runs go on a scheduler; it never changes what a run computes. */
    static final ParameterSchema CLUSTER_SCHEMA = ParameterSchema.of(
                    ParameterSpec.string("partition", "the Slurm partition ('' for the cluster's default)")
                            .withDefault(""),
                    ParameterSpec.string(
                                    "time",
                                    "the time limit of each run, as Slurm writes it, e.g. 36:00:00 ('' for the "
                                            + "partition's default)")
                            .withDefault(""),
                    ParameterSpec.integer("cpus", "CPUs per run")
                            .withDefault(2)
                            .atLeast(1)
                            .atMost(1024),
                    ParameterSpec.string("memory", "memory per run, as Slurm writes it, e.g. 8G ('' for the default)")
                            .withDefault(""),
                    ParameterSpec.integer("gpus", "GPUs per run")
                            .withDefault(0)
                            .atLeast(0)
                            .atMost(64))
            .withCheck(ExperimentValidator::clusterValues);

    /** What each string of the cluster section may be: they become #SBATCH lines of a job script. */
    private static final Map<String, Pattern> CLUSTER_VALUES = Map.of(
            "partition", Pattern.compile("[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*"),
            "time", Pattern.compile("(([0-9]+-)?[0-9]+(:[0-9]+){0,2})|UNLIMITED|INFINITE|unlimited|infinite"),
            "memory", Pattern.compile("[0-9]+[KMGT]?"));

    private static final Map<String, String> CLUSTER_RULES = Map.of(
            "partition", "partition names of letters, digits, '_', '.' and '-', separated by commas",
            "time", "a Slurm time such as 90, 36:00:00 or 2-12:00:00, or UNLIMITED",
            "memory", "a whole number with an optional unit K, M, G or T, e.g. 8G");

    /** Refuses cluster strings that are not what Slurm reads there: a newline or a space would smuggle lines. */
    private static List<ParameterProblem> clusterValues(Params p) {
        List<ParameterProblem> problems = new ArrayList<>();
        for (String key : List.of("partition", "time", "memory")) {
            String value = p.getString(key);
            if (!value.isEmpty() && !CLUSTER_VALUES.get(key).matcher(value).matches()) {
                problems.add(new ParameterProblem(
                        key,
                        Values.render(SafeFiles.printable(value)) + " is not allowed; allowed: '' (the default) or "
                                + CLUSTER_RULES.get(key)));
            }
        }
        return problems;
    }

    /** The most threads an engine may be given: beyond any machine's cores, where a typo is the likelier cause. */
    static final int MAX_THREADS = 1024;

    /** The largest batch: beyond it a value is a typo, and counts would overflow (epochs: Training.MAX_EPOCHS). */
    static final int MAX_BATCH = 65_536;

    private static final ParameterSchema TRAINING_SCHEMA = ParameterSchema.of(
            ParameterSpec.integer("epochs", "number of epochs").atLeast(1).atMost(Training.MAX_EPOCHS),
            ParameterSpec.integer("batch_size", "examples per training step")
                    .atLeast(1)
                    .atMost(MAX_BATCH),
            ParameterSpec.integer("eval_batch_size", "examples per evaluation batch; default batch_size")
                    .atLeast(1)
                    .atMost(MAX_BATCH));

    /**
     * An engine's schema as the runner reads it: the engine leaves {@code threads} open above, the runner
     * bounds it.
     *
     * @param engine the engine plugin
     * @return its schema, threads at most {@link #MAX_THREADS}
     */
    static ParameterSchema engineSchema(Plugin engine) {
        return engine.schema().withMaximum("threads", MAX_THREADS);
    }

    private final PluginRegistry registry;
    private final YamlTree tree;
    private final Problems problems;

    private final Path baseDir;
    private Params cluster;

    private final boolean checkFiles;

    ExperimentValidator(PluginRegistry registry, YamlTree tree, Problems problems, Path baseDir, boolean checkFiles) {
        this.registry = registry;
        this.tree = tree;
        this.problems = problems;
        this.baseDir = baseDir;
        this.checkFiles = checkFiles;
    }

    /** Returns the experiment, or {@code null} when problems were added. */
    Experiment validate(MappingNode root) {
        int before = problems.count();
        Map<String, NodeTuple> top = YamlTree.entries(root);
        List<String> allowed = new ArrayList<>(TOP_KEYS);
        ExperimentSection.installed().forEach(s -> allowed.add(s.key()));
        for (Map.Entry<String, NodeTuple> e : top.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                problems.at(
                        e.getKey(), e.getValue().getKeyNode(), ParameterSchema.unknownKeyMessage(e.getKey(), allowed));
            }
        }
        Map<String, NodeTuple> replica = new LinkedHashMap<>();
        if (top.containsKey("replica")) {
            replica.put("replica", top.get("replica"));
        }
        Params format = params("", root, replica, FORMAT_SCHEMA, List.of(), key -> null);
        String name = name(root, top.get("name"));
        List<Long> seeds = seeds(top);
        PluginUse engine = section(PluginKind.ENGINE, "engine", root, top);
        PluginUse dataset = section(PluginKind.DATASET, "dataset", root, top);
        Map<String, PluginUse> models = withDatasetClasses(dataset, models(root, top.get("models")), top.get("models"));
        PluginUse optimizer = section(PluginKind.OPTIMIZER, "optimizer", root, top);
        PluginUse schedule = section(PluginKind.SCHEDULE, "schedule", root, top);
        Training training = training(root, top.get("training"));
        cluster = cluster(root, top.get("cluster"));
        Sections sections = Sections.NONE;
        for (ExperimentSection<?> owned : ExperimentSection.installed()) {
            if (top.containsKey(owned.key())) {
                sections = read(
                        owned,
                        top.get(owned.key()).getValueNode(),
                        new SectionContext(
                                registry, tree, problems, engine, models == null ? Set.of() : models.keySet()),
                        sections);
            }
        }
        // Model labels it names are checked against the models, so only once those are known.
        ReportSection report = top.containsKey("report") && models != null
                ? ReportSection.read(top.get("report").getValueNode(), models.keySet(), tree, problems)
                : null;
        if (problems.count() != before) {
            return null;
        }
        return new Experiment(
                format.getInt("replica"),
                name,
                seeds,
                engine,
                dataset,
                models,
                optimizer,
                schedule,
                training,
                sections,
                report);
    }

    private static <T> Sections read(ExperimentSection<T> owned, Node node, SectionContext context, Sections sections) {
        return sections.with(owned, owned.read(node, context));
    }

    private String name(MappingNode root, NodeTuple tuple) {
        if (tuple == null) {
            problems.at("name", root, "missing required key; allowed: " + NAME_RULE);
            return null;
        }
        Node value = tuple.getValueNode();
        String text = identifier(value);
        if (text == null) {
            problems.at("name", value, tree.describe(value) + " is not a string; allowed: " + NAME_RULE);
            return null;
        }
        if (!NAME.matcher(text).matches()) {
            problems.at("name", value, Values.render(text) + " is not allowed; allowed: " + NAME_RULE);
            return null;
        }
        return text;
    }

    private List<Long> seeds(Map<String, NodeTuple> top) {
        NodeTuple one = top.get("seed");
        NodeTuple many = top.get("seeds");
        if (one != null && many != null) {
            NodeTuple later = isBefore(one.getKeyNode(), many.getKeyNode()) ? many : one;
            problems.at(
                    YamlTree.keyText(later.getKeyNode()), later.getKeyNode(), "give either seed or seeds, not both");
            return null;
        }
        if (one != null) {
            Long seed = seed("seed", one.getValueNode());
            return seed == null ? null : List.of(seed);
        }
        if (many == null) {
            return List.of(0L);
        }
        Node value = many.getValueNode();
        if (!(value instanceof SequenceNode)) {
            problems.at("seeds", value, tree.describe(value) + " is not a list of integers");
            return null;
        }
        List<Node> items = ((SequenceNode) value).getValue();
        if (items.isEmpty()) {
            problems.at("seeds", value, "an empty list is not allowed; allowed: one or more integers");
            return null;
        }
        int before = problems.count();
        List<Long> seeds = new ArrayList<>();
        Map<Long, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String path = "seeds[" + i + "]";
            Long seed = seed(path, items.get(i));
            if (seed == null) {
                continue;
            }
            Integer first = firstIndex.putIfAbsent(seed, i);
            if (first != null) {
                problems.at(path, items.get(i), seed + " is already seeds[" + first + "]; allowed: distinct seeds");
            }
            seeds.add(seed);
        }
        return problems.count() == before ? seeds : null;
    }

    private Long seed(String path, Node node) {
        Object value = node instanceof ScalarNode ? tree.toJava(node) : null;
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger) {
            problems.at(path, node, value + " is out of range; allowed: a 64-bit integer");
        } else {
            problems.at(path, node, tree.describe(node) + " is not an integer");
        }
        return null;
    }

    private PluginUse section(PluginKind kind, String path, MappingNode root, Map<String, NodeTuple> top) {
        NodeTuple tuple = top.get(path);
        if (tuple == null) {
            problems.at(path, root, "missing required key; allowed: " + shape(kind));
            return null;
        }
        return pluginUse(kind, path, tuple.getValueNode());
    }

    private Map<String, PluginUse> models(MappingNode root, NodeTuple tuple) {
        String shape = "a mapping from labels to " + shape(PluginKind.MODEL);
        if (tuple == null) {
            problems.at("models", root, "missing required key; allowed: " + shape);
            return null;
        }
        Node value = tuple.getValueNode();
        if (!(value instanceof MappingNode)) {
            problems.at("models", value, tree.describe(value) + " is not a mapping; allowed: " + shape);
            return null;
        }
        Map<String, NodeTuple> entries = YamlTree.entries((MappingNode) value);
        if (entries.isEmpty()) {
            problems.at("models", value, "an empty mapping is not allowed; allowed: " + shape);
            return null;
        }
        int before = problems.count();
        Map<String, PluginUse> models = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            String path = "models." + e.getKey();
            if (!LABEL.matcher(e.getKey()).matches()) {
                problems.at(
                        path,
                        e.getValue().getKeyNode(),
                        Values.render(e.getKey()) + " is not allowed; allowed: " + LABEL_RULE);
            }
            models.put(
                    e.getKey(), pluginUse(PluginKind.MODEL, path, e.getValue().getValueNode()));
        }
        return problems.count() == before ? models : null;
    }

    /**
     * A model's output size is the dataset's number of classes: where a model plugin has a
     * {@code classes} parameter, a value the file gives must match it, and a missing one is filled in
     * from the dataset (not from the plugin's default).
     */
    private Map<String, PluginUse> withDatasetClasses(
            PluginUse dataset, Map<String, PluginUse> models, NodeTuple tuple) {
        if (dataset == null || models == null) {
            return models;
        }
        DatasetPlugin data = registry.dataset(dataset.plugin());
        OptionalInt known = data.classes(dataset.params());
        if (known.isEmpty()) {
            return models;
        }
        int classes = known.getAsInt();
        Map<String, NodeTuple> labels = YamlTree.entries((MappingNode) tuple.getValueNode());
        Map<String, PluginUse> result = new LinkedHashMap<>();
        for (Map.Entry<String, PluginUse> e : models.entrySet()) {
            Plugin model = registry.get(PluginKind.MODEL, e.getValue().plugin());
            String path = "models." + e.getKey() + ".params.classes";
            Node given = paramValue(labels.get(e.getKey()), "classes");
            if (model.schema().spec("classes").isEmpty()) {
                result.put(e.getKey(), e.getValue());
            } else if (given != null) {
                int value = e.getValue().params().getInt("classes");
                if (value != classes) {
                    problems.at(
                            path,
                            given,
                            value + " does not match dataset '" + dataset.plugin() + "', which has " + classes
                                    + " classes; allowed: " + classes + ", or leave it out");
                }
                result.put(e.getKey(), e.getValue());
            } else {
                Map<String, Object> raw =
                        new LinkedHashMap<>(e.getValue().params().asMap());
                raw.put("classes", classes);
                ParameterSchema.Validation v = model.schema().validate(raw);
                for (ParameterProblem p : v.problems()) {
                    problems.at(
                            path,
                            labels.get(e.getKey()).getValueNode(),
                            "dataset '" + dataset.plugin() + "' has " + classes + " classes, which model plugin '"
                                    + model.name() + "' refuses: " + p.message());
                }
                result.put(e.getKey(), v.problems().isEmpty() ? e.getValue().withParams(v.params()) : e.getValue());
            }
        }
        return result;
    }

    /** The value node of {@code params.<key>} in a model's mapping, or {@code null}. */
    private static Node paramValue(NodeTuple model, String key) {
        if (model == null || !(model.getValueNode() instanceof MappingNode m)) {
            return null;
        }
        NodeTuple params = YamlTree.entries(m).get("params");
        if (params == null || !(params.getValueNode() instanceof MappingNode p)) {
            return null;
        }
        NodeTuple value = YamlTree.entries(p).get(key);
        return value == null ? null : value.getValueNode();
    }

    /**
     * Reads {@code {plugin: name, params: {...}}}, or for an engine {@code {plugin: name, key: value...}}
     * with the parameters inline.
     */
    private PluginUse pluginUse(PluginKind kind, String path, Node node) {
        if (!(node instanceof MappingNode)) {
            problems.at(path, node, tree.describe(node) + " is not a mapping; allowed: " + shape(kind));
            return null;
        }
        int before = problems.count();
        MappingNode mapping = (MappingNode) node;
        Map<String, NodeTuple> entries = YamlTree.entries(mapping);
        Plugin plugin = plugin(kind, path, mapping, entries.get("plugin"));
        Params params;
        if (kind == PluginKind.ENGINE) {
            if (plugin == null) {
                return null; // which other keys are allowed depends on the engine
            }
            params = params(
                    path,
                    mapping,
                    entries,
                    engineSchema(plugin),
                    List.of("plugin"),
                    key -> "params".equals(key)
                            ? "write the engine's parameters directly in " + path + ", beside plugin"
                            : null);
        } else {
            List<String> allowed = kind == PluginKind.MODEL ? MODEL_KEYS : PLUGIN_KEYS;
            for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
                String key = e.getKey();
                if (!allowed.contains(key)) {
                    boolean isParameter =
                            plugin != null && plugin.schema().spec(key).isPresent();
                    unknownKey(
                            YamlTree.child(path, key),
                            e.getValue().getKeyNode(),
                            key,
                            allowed,
                            isParameter
                                    ? "'" + key + "' is a parameter of " + plugin.name() + ": write it under params"
                                    : null);
                }
            }
            params = pluginParams(path, mapping, entries.get("params"), plugin);
        }
        Path weights = kind == PluginKind.MODEL ? weights(path + ".weights", entries.get("weights")) : null;
        return problems.count() == before ? new PluginUse(plugin.name(), params, weights) : null;
    }

    /**
     * A model's {@code weights}: a {@code .safetensors} or {@code .npz} file, relative to the experiment
     * file's folder, made absolute so that the resolved file names it wherever it is read.
     */
    private Path weights(String path, NodeTuple tuple) {
        if (tuple == null || YamlTree.isNull(tuple.getValueNode())) {
            return null;
        }
        Node node = tuple.getValueNode();
        String allowed = "allowed: a .safetensors or .npz file of PyTorch-named weights (replica export writes one)";
        if (!(node instanceof ScalarNode) || ((ScalarNode) node).getValue().isBlank()) {
            problems.at(path, node, tree.describe(node) + " is not a file name; " + allowed);
            return null;
        }
        String name = ((ScalarNode) node).getValue();
        Path file;
        try {
            file = baseDir.resolve(name).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            problems.at(path, node, Values.render(name) + " is not a valid path; " + allowed);
            return null;
        }
        if (WeightsFile.of(file).isEmpty()) {
            problems.at(path, node, Values.render(name) + " is neither .safetensors nor .npz; " + allowed);
        } else if (!checkFiles) {
            return file; // a recorded run's file: only a model without a checkpoint needs it, and says so
        } else if (Files.isDirectory(file)) {
            problems.at(path, node, Values.render(name) + " is a folder (" + file + "); " + allowed);
        } else if (!Files.exists(file)) {
            problems.at(path, node, Values.render(name) + ": no such file (looked for " + file + "); " + allowed);
        } else if (!Files.isRegularFile(file)) {
            problems.at(
                    path,
                    node,
                    Values.render(name) + " is a device, FIFO or socket (" + file + "), not a file; " + allowed);
        } else if (!Files.isReadable(file)) {
            problems.at(path, node, Values.render(name) + " cannot be read (" + file + "); " + allowed);
        } else {
            try {
                WeightsFile.of(file).orElseThrow().check(file);
            } catch (IOException | UserException e) {
                problems.at(path, node, e.getMessage() + "; " + allowed);
            }
        }
        return file;
    }

    private Params pluginParams(String path, MappingNode section, NodeTuple tuple, Plugin plugin) {
        String paramsPath = path + ".params";
        MappingNode at = section;
        Map<String, NodeTuple> entries = Map.of();
        if (tuple != null && !YamlTree.isNull(tuple.getValueNode())) {
            Node value = tuple.getValueNode();
            if (!(value instanceof MappingNode)) {
                String keys = plugin == null ? "" : " with keys from " + keys(plugin.schema());
                problems.at(paramsPath, value, tree.describe(value) + " is not a mapping; allowed: a mapping" + keys);
                return null;
            }
            at = (MappingNode) value;
            entries = YamlTree.entries(at);
        }
        if (plugin == null) {
            return null;
        }
        return params(paramsPath, at, entries, plugin.schema(), List.of(), key -> null);
    }

    private Plugin plugin(PluginKind kind, String path, MappingNode section, NodeTuple tuple) {
        String at = YamlTree.child(path, "plugin");
        List<String> names = new ArrayList<>(registry.all(kind).keySet());
        if (tuple == null) {
            problems.at(at, section, "missing required key; allowed: " + names);
            return null;
        }
        Node value = tuple.getValueNode();
        String name = identifier(value);
        if (name == null) {
            problems.at(at, value, tree.describe(value) + " is not a string; allowed: " + names);
            return null;
        }
        if (!registry.has(kind, name)) {
            String near = Values.closest(name, names);
            problems.at(
                    at,
                    value,
                    registry.unknownMessage(kind, name) + (near == null ? "" : "; did you mean '" + near + "'?"));
            return null;
        }
        return registry.get(kind, name);
    }

    /** The optional {@code cluster} section, its defaults filled in when the file has none. */
    private Params cluster(MappingNode root, NodeTuple tuple) {
        if (tuple == null || YamlTree.isNull(tuple.getValueNode())) {
            return CLUSTER_SCHEMA.validate(Map.of()).orElseThrow();
        }
        Node value = tuple.getValueNode();
        if (!(value instanceof MappingNode)) {
            problems.at(
                    "cluster",
                    value,
                    tree.describe(value) + " is not a mapping; allowed: a mapping with keys from "
                            + keys(CLUSTER_SCHEMA));
            return null;
        }
        return params("cluster", value, YamlTree.entries((MappingNode) value), CLUSTER_SCHEMA, List.of(), key -> null);
    }

    /**
     * Returns the cluster section of the file last validated: resources for {@code replica sweep}.
     *
     * @return the section with defaults filled in, or {@code null} when it had problems
     */
    Params cluster() {
        return cluster;
    }

    private Training training(MappingNode root, NodeTuple tuple) {
        if (tuple == null) {
            problems.at("training", root, "missing required key; allowed: " + TRAINING_SHAPE);
            return null;
        }
        Node value = tuple.getValueNode();
        if (!(value instanceof MappingNode)) {
            problems.at("training", value, tree.describe(value) + " is not a mapping; allowed: " + TRAINING_SHAPE);
            return null;
        }
        int before = problems.count();
        Map<String, NodeTuple> entries = YamlTree.entries((MappingNode) value);
        Map<String, Object> raw = knownValues("training", entries, TRAINING_SCHEMA, List.of(), key -> null);
        // eval_batch_size defaults to batch_size; a bad batch_size is reported once, as batch_size.
        boolean evalDefault = !raw.containsKey("eval_batch_size");
        if (evalDefault && raw.containsKey("batch_size")) {
            raw.put("eval_batch_size", raw.get("batch_size"));
        }
        ParameterSchema.Validation v = TRAINING_SCHEMA.validate(raw);
        for (ParameterProblem p : v.problems()) {
            if (!(evalDefault && p.key().startsWith("eval_batch_size"))) {
                report("training", p, entries, value);
            }
        }
        if (problems.count() != before || v.params() == null) {
            return null;
        }
        Params p = v.params();
        return new Training(p.getInt("epochs"), p.getInt("batch_size"), p.getInt("eval_batch_size"));
    }

    /**
     * Validates the entries of a mapping against a schema. {@code extraKeys} are allowed beside the
     * schema's keys and left out; {@code hint} may explain an unknown key when no known key is close.
     */
    private Params params(
            String path,
            Node mapping,
            Map<String, NodeTuple> entries,
            ParameterSchema schema,
            List<String> extraKeys,
            UnaryOperator<String> hint) {
        int before = problems.count();
        Map<String, Object> raw = knownValues(path, entries, schema, extraKeys, hint);
        ParameterSchema.Validation v = schema.validate(raw);
        for (ParameterProblem p : v.problems()) {
            report(path, p, entries, mapping);
        }
        return problems.count() == before ? v.params() : null;
    }

    /** Reports unknown keys and returns the values of the schema's keys as plain Java values. */
    private Map<String, Object> knownValues(
            String path,
            Map<String, NodeTuple> entries,
            ParameterSchema schema,
            List<String> extraKeys,
            UnaryOperator<String> hint) {
        List<String> known = new ArrayList<>(extraKeys);
        for (ParameterSpec spec : schema.specs()) {
            known.add(spec.key());
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            String key = e.getKey();
            if (extraKeys.contains(key)) {
                continue;
            }
            if (schema.spec(key).isEmpty()) {
                unknownKey(YamlTree.child(path, key), e.getValue().getKeyNode(), key, known, hint.apply(key));
                continue;
            }
            raw.put(key, tree.toJava(e.getValue().getValueNode()));
        }
        return raw;
    }

    private void unknownKey(String path, Node keyNode, String key, List<String> known, String hint) {
        String message = ParameterSchema.unknownKeyMessage(key, known);
        if (hint != null && Values.closest(key, known) == null) {
            message = "unknown key; " + hint;
        }
        problems.at(path, keyNode, message);
    }

    /**
     * Adds a schema's problem at the node it is about: the value (or list element) of its key, or the
     * enclosing mapping when the key is missing.
     */
    private void report(String path, ParameterProblem problem, Map<String, NodeTuple> entries, Node mapping) {
        problems.at(YamlTree.child(path, problem.key()), locate(problem.key(), entries, mapping), problem.message());
    }

    private static Node locate(String key, Map<String, NodeTuple> entries, Node mapping) {
        Matcher m = PROBLEM_KEY.matcher(key);
        String name = m.matches() ? m.group(1) : key;
        NodeTuple tuple = entries.get(name);
        if (tuple == null) {
            return mapping;
        }
        Node node = tuple.getValueNode();
        if (m.matches()) {
            Matcher index = INDEX.matcher(m.group(2));
            while (index.find() && node instanceof SequenceNode) {
                List<Node> items = ((SequenceNode) node).getValue();
                int i = Integer.parseInt(index.group(1));
                if (i >= items.size()) {
                    break;
                }
                node = items.get(i);
            }
        }
        return node;
    }

    /** The text of a scalar used as a name (of the experiment, or of a plugin), or {@code null}. */
    private static String identifier(Node node) {
        return node instanceof ScalarNode && !YamlTree.isNull(node) ? ((ScalarNode) node).getValue() : null;
    }

    private String shape(PluginKind kind) {
        String plugin = "{plugin: <one of " + new ArrayList<>(registry.all(kind).keySet()) + ">, ";
        return plugin
                + (kind == PluginKind.ENGINE ? "<parameter>: <value>, ...}" : "params: {<parameter>: <value>, ...}}");
    }

    private static String keys(ParameterSchema schema) {
        List<String> keys = new ArrayList<>();
        for (ParameterSpec spec : schema.specs()) {
            keys.add(spec.key());
        }
        return keys.toString();
    }

    /** Whether {@code a} comes before {@code b} in the file; nodes made by --set come last. */
    private static boolean isBefore(Node a, Node b) {
        Mark ma = a.getStartMark();
        Mark mb = b.getStartMark();
        return mb == null || (ma != null && ma.getIndex() < mb.getIndex());
    }
}
