package dev.replica.runner.config;

import dev.replica.core.config.YamlNodes;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** A tool's section for the runner's tests: {@code fake_tool: <number of models it may name>}. */
public final class FakeToolSection implements ExperimentSection<Integer> {

    @Override
    public String key() {
        return "fake_tool";
    }

    @Override
    public Class<Integer> type() {
        return Integer.class;
    }

    @Override
    public Integer read(Node node, SectionContext context) {
        if (node instanceof ScalarNode scalar && scalar.getValue().matches("[0-9]+")) {
            int n = Integer.parseInt(scalar.getValue());
            if (n <= context.models().size()) {
                return n;
            }
        }
        context.problems()
                .at(
                        "fake_tool",
                        node,
                        context.tree().describe(node) + " is not allowed; allowed: " + "a count of at most "
                                + context.models().size() + " models");
        return null;
    }

    @Override
    public Node write(Integer value) {
        return YamlNodes.scalar(value);
    }
}
