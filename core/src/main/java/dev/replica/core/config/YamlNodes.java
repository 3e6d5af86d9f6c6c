package dev.replica.core.config;

import dev.replica.api.params.Values;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Builds the nodes of a resolved experiment file, so that every section, whichever module owns it, is
 * written the same way: values as {@link Values} reads them back, lists in flow style.
 */
public final class YamlNodes {

    private static final Resolver RESOLVER = new Resolver();

    private YamlNodes() {}

    /**
     * Returns a key and its value.
     *
     * @param key the key
     * @param value the value's node
     * @return the pair
     */
    public static NodeTuple entry(String key, Node value) {
        return new NodeTuple(scalar(key), value);
    }

    /**
     * Returns a mapping in block style, one key per line.
     *
     * @param tuples the entries, in order
     * @return the node
     */
    public static MappingNode block(List<NodeTuple> tuples) {
        return new MappingNode(Tag.MAP, new ArrayList<>(tuples), DumperOptions.FlowStyle.BLOCK);
    }

    /**
     * Returns a mapping in flow style, {@code {a: 1, b: 2}}.
     *
     * @param tuples the entries, in order
     * @return the node
     */
    public static MappingNode flow(List<NodeTuple> tuples) {
        return new MappingNode(Tag.MAP, new ArrayList<>(tuples), DumperOptions.FlowStyle.FLOW);
    }

    /**
     * A value as a node: strings plain (the emitter quotes those that would read as another type),
     * numbers as {@link Values#formatNumber} writes them, lists in flow style ({@code [50, 75]}).
     *
     * @param value a string, number, boolean or list of them
     * @return the node
     * @throws IllegalArgumentException for any other type
     */
    public static Node scalar(Object value) {
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
