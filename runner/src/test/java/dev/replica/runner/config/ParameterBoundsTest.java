package dev.replica.runner.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.Plugin;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.ParameterType;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every integer parameter, of every built-in plugin as the runner reads it and of the runner's own
 * sections, has an upper bound: an unbounded one let 2147483647 through to a count that overflowed.
 */
class ParameterBoundsTest {

    @Test
    void everyIntegerParameterHasAnUpperBound() {
        PluginRegistry registry = PluginRegistry.discover(ParameterBoundsTest.class.getClassLoader());
        List<String> open = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            for (Plugin plugin : registry.all(kind).values()) {
                ParameterSchema schema =
                        kind == PluginKind.ENGINE ? ExperimentValidator.engineSchema(plugin) : plugin.schema();
                unbounded(kind + " " + plugin.name(), schema, open);
            }
        }
        unbounded("cluster", ExperimentValidator.CLUSTER_SCHEMA, open);
        assertThat(registry.all(PluginKind.ENGINE)).isNotEmpty();
        assertThat(open).as("integer parameters without an upper bound").isEmpty();
    }

    private static void unbounded(String owner, ParameterSchema schema, List<String> open) {
        for (ParameterSpec s : schema.specs()) {
            boolean integer = s.type() == ParameterType.INTEGER || s.type() == ParameterType.INTEGER_LIST;
            if (integer && s.allowed().isEmpty() && s.max() == null) {
                open.add(owner + "." + s.key());
            }
        }
    }
}
