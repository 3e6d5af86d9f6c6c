package dev.replica.runner.config;

import dev.replica.api.params.Params;
import java.util.Objects;

/**
 * A plugin chosen in an experiment file, with its validated parameters.
 *
 * @param plugin the plugin's name
 * @param params the typed parameters, defaults filled in
 */
public record PluginUse(String plugin, Params params) {

    /** Checks that no component is {@code null}. */
    public PluginUse {
        Objects.requireNonNull(plugin, "plugin");
        Objects.requireNonNull(params, "params");
    }
}
