package dev.replica.runner.config;

import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlTree;
import java.util.ArrayList;
import java.util.List;
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
 * Applies {@code --set key.path=value} overrides to a composed file before it is validated, so that an
 * overridden value is checked exactly like one written in the file. The path is keys joined by dots,
 * each with optional list indices ({@code schedule.params.milestones[1]}); the value is read as YAML
 * ({@code 16}, {@code [2, 3]}, {@code {plugin: vgg}}; nothing after {@code =} is null).
 *
 * <p>Missing keys and mappings on the path are created, so a parameter left at its default can be set;
 * a key that does not exist in the schema is then reported like any unknown key. Setting {@code seed}
 * removes {@code seeds} and the other way round, so that either can override a file that has the other.
 */
final class Overrides {

    private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]=\\s]+)((?:\\[[0-9]+\\])*)");
    private static final Pattern INDEX = Pattern.compile("\\[([0-9]+)\\]");

    /** The most steps a --set key path may have: the nesting an experiment file may have. */
    private static final int MAX_STEPS = 50;

    private final YamlTree tree;
    private final Problems problems;

    Overrides(YamlTree tree, Problems problems) {
        this.tree = tree;
        this.problems = problems;
    }

    /** Applies every override in order; a later one wins over an earlier one on the same key. */
    void apply(MappingNode root, List<String> overrides) {
        for (String override : overrides) {
            applyOne(root, override);
        }
    }

    private void applyOne(MappingNode root, String override) {
        int eq = override.indexOf('=');
        if (eq < 0) {
            problems.override(override.trim(), "missing '='; write --set " + override.trim() + "=<value>");
            return;
        }
        String path = override.substring(0, eq).trim();
        List<Object> steps = parsePath(path);
        if (steps != null && steps.size() > MAX_STEPS) {
            // Deeper than any file may nest: the mappings it would make overflow the stack of every later walk.
            problems.override(
                    path.substring(0, Math.min(path.length(), 60)) + "...",
                    "a key path of " + steps.size() + " steps; allowed: at most " + MAX_STEPS
                            + ", as deep as an experiment file nests");
            return;
        }
        if (steps == null) {
            problems.override(
                    path.isEmpty() ? override : path,
                    "malformed key path; write keys joined by dots, with [i] for a list element, "
                            + "e.g. models.resnet18.params.width=16");
            return;
        }
        String text = override.substring(eq + 1);
        Node value;
        if (text.isBlank()) {
            value = new ScalarNode(Tag.NULL, "", null, null, DumperOptions.ScalarStyle.PLAIN);
        } else {
            value = tree.compose(text, path);
            if (value == null) {
                return;
            }
        }
        problems.markOverride(value);
        if (steps.size() == 1 && ("seed".equals(steps.get(0)) || "seeds".equals(steps.get(0)))) {
            String other = "seed".equals(steps.get(0)) ? "seeds" : "seed";
            root.getValue().removeIf(t -> other.equals(YamlTree.keyText(t.getKeyNode())));
        }
        set(root, steps, value, path);
    }

    /** Splits {@code a.b[1].c} into keys (strings) and indices (integers), or returns {@code null}. */
    private static List<Object> parsePath(String path) {
        List<Object> steps = new ArrayList<>();
        for (String part : path.split("\\.", -1)) {
            Matcher m = SEGMENT.matcher(part);
            if (!m.matches()) {
                return null;
            }
            steps.add(m.group(1));
            Matcher index = INDEX.matcher(m.group(2));
            while (index.find()) {
                try {
                    steps.add(Integer.parseInt(index.group(1)));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return steps;
    }

    private void set(MappingNode root, List<Object> steps, Node value, String path) {
        Node current = root;
        String at = "";
        for (int s = 0; s < steps.size(); s++) {
            boolean last = s == steps.size() - 1;
            Object step = steps.get(s);
            if (step instanceof String) {
                String key = (String) step;
                if (!(current instanceof MappingNode)) {
                    problems.override(path, "cannot set: " + at + " is " + tree.describe(current) + ", not a mapping");
                    return;
                }
                MappingNode mapping = (MappingNode) current;
                int index = indexOf(mapping, key);
                Node next = index < 0 ? null : mapping.getValue().get(index).getValueNode();
                if (!last && (next == null || YamlTree.isNull(next))) {
                    if (steps.get(s + 1) instanceof Integer) {
                        problems.override(path, "cannot set: " + YamlTree.child(at, key) + " is not a list");
                        return;
                    }
                    next = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
                    problems.markOverride(next);
                }
                if (last) {
                    next = value;
                }
                if (index < 0) {
                    Node keyNode = new ScalarNode(Tag.STR, key, null, null, DumperOptions.ScalarStyle.PLAIN);
                    problems.markOverride(keyNode);
                    mapping.getValue().add(new NodeTuple(keyNode, next));
                } else {
                    mapping.getValue()
                            .set(
                                    index,
                                    new NodeTuple(mapping.getValue().get(index).getKeyNode(), next));
                }
                current = next;
                at = YamlTree.child(at, key);
            } else {
                int i = (Integer) step;
                if (!(current instanceof SequenceNode)) {
                    problems.override(path, "cannot set: " + at + " is " + tree.describe(current) + ", not a list");
                    return;
                }
                List<Node> items = ((SequenceNode) current).getValue();
                if (i >= items.size()) {
                    problems.override(
                            path,
                            "index " + i + " is out of range; " + at + " has " + items.size()
                                    + (items.size() == 1 ? " element" : " elements"));
                    return;
                }
                if (last) {
                    items.set(i, value);
                }
                current = items.get(i);
                at = at + "[" + i + "]";
            }
        }
    }

    private static int indexOf(MappingNode mapping, String key) {
        List<NodeTuple> tuples = mapping.getValue();
        for (int i = 0; i < tuples.size(); i++) {
            if (key.equals(YamlTree.keyText(tuples.get(i).getKeyNode()))) {
                return i;
            }
        }
        return -1;
    }
}
