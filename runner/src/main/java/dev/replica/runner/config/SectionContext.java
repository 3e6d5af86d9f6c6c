package dev.replica.runner.config;

import dev.replica.api.Plugin;
import dev.replica.api.params.ParameterSchema;
import dev.replica.core.config.Problems;
import dev.replica.core.config.YamlTree;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.Set;

/**
 * What a section's reader may use besides its own node.
 *
 * @param registry the installed plugins
 * @param tree the file's YAML tree, for positions and descriptions
 * @param problems where the reader adds what is wrong
 * @param engine the experiment's engine, or {@code null} when that section had problems
 * @param models the experiment's model labels, empty when that section had problems
 */
public record SectionContext(
        PluginRegistry registry, YamlTree tree, Problems problems, PluginUse engine, Set<String> models) {

    /**
     * Returns an engine's schema as the runner reads the {@code engine} section, so that a section can
     * check the experiment's engine parameters against another engine.
     *
     * @param engine the engine plugin
     * @return its schema, with the runner's bounds
     */
    public static ParameterSchema engineSchema(Plugin engine) {
        return ExperimentValidator.engineSchema(engine);
    }
}
