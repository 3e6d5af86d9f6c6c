package dev.replica.core.config;

import dev.replica.api.params.Values;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The YAML side of loading: composes text to a node tree (no objects are constructed, so no arbitrary
 * types), checks what SnakeYAML's composer lets through (duplicate keys, aliases, keys that are not
 * names, unsupported tags), and reads nodes as plain Java values: {@code null}, {@link Boolean},
 * {@link Integer}/{@link Long}/{@link java.math.BigInteger}, {@link Double}, {@link String},
 * {@link List} and {@link Map}.
 */
public final class YamlTree {

    private static final Set<Tag> SCALAR_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP);

    private final Problems problems;
    private final ScalarConstructor scalars = new ScalarConstructor();

    public YamlTree(Problems problems) {
        this.problems = problems;
    }

    /**
     * Composes one YAML document. Syntax errors and aliases are added as problems: of the file at their
     * position, or of the override {@code overridePath} when that is not {@code null}.
     *
     * @return the root node, {@code null} for an empty document or when there were problems
     */
    public Node compose(String text, String overridePath) {
        LoaderOptions options = new LoaderOptions();
        AliasRecordingParser parser = new AliasRecordingParser(new ParserImpl(new StreamReader(text), options));
        Node root;
        try {
            root = new Composer(parser, new Resolver(), options).getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() == null ? "" : e.getProblem();
            String message = problem.startsWith(GLOBAL_TAG)
                    ? "the tag !!" + problem.substring(problem.lastIndexOf(':') + 1) + " is not supported; allowed: "
                            + "plain strings, numbers, booleans, null, lists and mappings"
                    : "not valid YAML: " + syntaxMessage(e, overridePath == null);
            if (overridePath != null) {
                problems.override(overridePath, message);
            } else if (mark != null) {
                problems.at("", mark, message);
            } else {
                problems.file(message);
            }
            return null;
        } catch (YAMLException e) {
            String message = limitMessage(e.getMessage());
            if (overridePath != null) {
                problems.override(overridePath, message);
            } else {
                problems.file(message);
            }
            return null;
        }
        if (parser.aliases.isEmpty()) {
            return root;
        }
        // An alias shares one node between two places: a --set on one would change both, and an
        // alias inside its own anchor would make the tree endless. Experiment files write values out.
        for (Mark mark : parser.aliases) {
            String message = "aliases (*name) are not supported; write the value out in full";
            if (overridePath != null) {
                problems.override(overridePath, message);
            } else {
                problems.at("", mark, message);
            }
        }
        return null;
    }

    /**
     * Adds a problem for every duplicate key, every key that is not a plain scalar and every tag that
     * is not a plain YAML type, anywhere under {@code node}.
     */
    public void checkStructure(Node node, String path) {
        if (node instanceof MappingNode) {
            MappingNode mapping = (MappingNode) node;
            checkTag(mapping, Tag.MAP, path);
            Map<String, Node> seen = new LinkedHashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                String key = keyText(t.getKeyNode());
                if (key == null) {
                    problems.at(
                            path,
                            t.getKeyNode(),
                            describe(t.getKeyNode()) + " is not allowed as a key; " + "allowed: a plain name");
                    continue;
                }
                String keyPath = child(path, key);
                Node first = seen.putIfAbsent(key, t.getKeyNode());
                if (first != null) {
                    String at = problems.where(first);
                    problems.at(
                            keyPath,
                            t.getKeyNode(),
                            "duplicate key" + (Problems.OVERRIDE.equals(at) ? "" : "; first defined at " + at));
                    continue;
                }
                checkStructure(t.getValueNode(), keyPath);
            }
        } else if (node instanceof SequenceNode) {
            checkTag(node, Tag.SEQ, path);
            List<Node> items = ((SequenceNode) node).getValue();
            for (int i = 0; i < items.size(); i++) {
                checkStructure(items.get(i), path + "[" + i + "]");
            }
        } else if (node instanceof ScalarNode) {
            ScalarNode scalar = (ScalarNode) node;
            if (!SCALAR_TAGS.contains(scalar.getTag())) {
                problems.at(
                        path,
                        scalar,
                        "the tag " + shortTag(scalar.getTag()) + " is not supported; allowed: "
                                + "plain strings, numbers, booleans, null, lists and mappings");
            } else if (scalarValue(scalar) == null && !scalar.getTag().equals(Tag.NULL)) {
                problems.at(
                        path,
                        scalar,
                        Values.render(scalar.getValue()) + " is not a valid " + shortTag(scalar.getTag()));
            }
        }
    }

    /**
     * Returns the entries of a mapping by key, in file order. The first of duplicate keys wins
     * ({@link #checkStructure} reports the others); keys that are not scalars are left out.
     */
    public static Map<String, NodeTuple> entries(MappingNode mapping) {
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            String key = keyText(t.getKeyNode());
            if (key != null) {
                out.putIfAbsent(key, t);
            }
        }
        return out;
    }

    /** Returns the text of a scalar key, or {@code null} for a mapping or list used as a key. */
    public static String keyText(Node key) {
        return key instanceof ScalarNode ? ((ScalarNode) key).getValue() : null;
    }

    /** Reads a node as plain Java values; a scalar that cannot be read keeps its text. */
    public Object toJava(Node node) {
        return toJava(node, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private Object toJava(Node node, Set<Node> path) {
        if (node instanceof ScalarNode) {
            Object value = scalarValue((ScalarNode) node);
            return value == null && !node.getTag().equals(Tag.NULL) ? ((ScalarNode) node).getValue() : value;
        }
        if (!path.add(node)) {
            throw new IllegalStateException("a YAML node contains itself; aliases should have been rejected");
        }
        Object out;
        if (node instanceof SequenceNode) {
            List<Object> list = new ArrayList<>();
            for (Node item : ((SequenceNode) node).getValue()) {
                list.add(toJava(item, path));
            }
            out = list;
        } else {
            Map<String, Object> map = new YamlMap();
            for (Map.Entry<String, NodeTuple> e : entries((MappingNode) node).entrySet()) {
                map.put(e.getKey(), toJava(e.getValue().getValueNode(), path));
            }
            out = map;
        }
        path.remove(node);
        return out;
    }

    /**
     * Renders a node for a message the way {@link Values#render} renders values: {@code 'ten'},
     * {@code 19}, {@code [50, 75]}, {@code {plugin: 'vgg'}}.
     */
    public String describe(Node node) {
        if (node instanceof MappingNode) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, NodeTuple> e : entries((MappingNode) node).entrySet()) {
                parts.add(e.getKey() + ": " + describe(e.getValue().getValueNode()));
            }
            return "{" + String.join(", ", parts) + "}";
        }
        if (node instanceof SequenceNode) {
            List<String> parts = new ArrayList<>();
            for (Node item : ((SequenceNode) node).getValue()) {
                parts.add(describe(item));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        return Values.render(toJava(node));
    }

    /** Returns whether a node is a YAML null (an empty value, {@code ~} or {@code null}). */
    public static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    /** Joins a key path and a key: {@code child("models", "vgg")} is {@code models.vgg}. */
    public static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * Returns a scalar's value, or {@code null} for a YAML null or a scalar that its tag cannot read.
     * Timestamps stay text: SnakeYAML reads {@code 2024-01-01} as one, a name here is just a string.
     */
    private Object scalarValue(ScalarNode node) {
        Tag tag = node.getTag();
        if (tag.equals(Tag.STR) || tag.equals(Tag.TIMESTAMP) || !SCALAR_TAGS.contains(tag)) {
            return node.getValue();
        }
        if (tag.equals(Tag.NULL)) {
            return null;
        }
        try {
            return scalars.construct(node);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void checkTag(Node node, Tag expected, String path) {
        if (!node.getTag().equals(expected)) {
            problems.at(
                    path,
                    node,
                    "the tag " + shortTag(node.getTag()) + " is not supported; allowed: "
                            + "plain strings, numbers, booleans, null, lists and mappings");
        }
    }

    private static String shortTag(Tag tag) {
        String value = tag.getValue();
        return value.startsWith(Tag.PREFIX) ? "!!" + value.substring(Tag.PREFIX.length()) : value;
    }

    /** SnakeYAML's tag refusal, e.g. {@code Global tag is not allowed: tag:yaml.org,2002:java.net.URL}. */
    private static final String GLOBAL_TAG = "Global tag is not allowed";

    /** What SnakeYAML's safety limits mean, in the file's terms. */
    private static String limitMessage(String raw) {
        String m = String.valueOf(raw);
        if (m.startsWith("Number of aliases for non-scalar nodes exceeds")) {
            return "more aliases (*name) than Replica reads (50): a few lines that expand to millions of values, "
                    + "a 'billion laughs' YAML bomb; aliases are not supported, write values out in full";
        }
        if (m.startsWith("Nesting Depth exceeded")) {
            return "lists and mappings nested more than 50 deep; an experiment file needs a few levels";
        }
        if (m.startsWith("The incoming YAML document exceeds the limit")) {
            return "the file is larger than Replica reads (3 MB); an experiment file is a few kilobytes";
        }
        return "not valid YAML: " + m;
    }

    private static String syntaxMessage(MarkedYAMLException e, boolean withContextPosition) {
        String problem = e.getProblem() == null ? "" : e.getProblem().trim();
        String context = e.getContext() == null ? "" : e.getContext().trim();
        if (context.isEmpty()) {
            return problem;
        }
        Mark at = e.getContextMark();
        return context + (withContextPosition && at != null ? " at " + Problems.position(at) : "") + ", " + problem;
    }

    /** A mapping read from YAML, rendered in messages as YAML writes it: {@code {a: 1}}, not {@code {a=1}}. */
    private static final class YamlMap extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Object> e : entrySet()) {
                parts.add(e.getKey() + ": " + Values.render(e.getValue()));
            }
            return "{" + String.join(", ", parts) + "}";
        }
    }

    /** SnakeYAML's safe constructors for int, float and bool, applied to one scalar at a time. */
    private static final class ScalarConstructor extends SafeConstructor {
        ScalarConstructor() {
            super(new LoaderOptions());
        }

        Object construct(ScalarNode node) {
            return yamlConstructors.get(node.getTag()).construct(node);
        }
    }

    /** Passes events through and records where every alias ({@code *name}) is. */
    private static final class AliasRecordingParser implements Parser {
        private final Parser delegate;
        private final List<Mark> aliases = new ArrayList<>();

        AliasRecordingParser(Parser delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            return delegate.checkEvent(choice);
        }

        @Override
        public Event peekEvent() {
            return delegate.peekEvent();
        }

        @Override
        public Event getEvent() {
            Event event = delegate.getEvent();
            if (event instanceof AliasEvent) {
                aliases.add(event.getStartMark());
            }
            return event;
        }
    }
}
