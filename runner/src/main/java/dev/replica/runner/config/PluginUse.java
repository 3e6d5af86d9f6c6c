package dev.replica.runner.config;

import dev.replica.api.params.Params;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A plugin chosen in an experiment file, with its validated parameters.
 *
 * @param plugin the plugin's name
 * @param params the typed parameters, defaults filled in
 * @param weights a model's initial weights ({@code models.<label>.weights}): an absolute
 *     {@code .safetensors} or {@code .npz} file in PyTorch's names; {@code null} for the seeded
 *     initialisation, and always for other kinds of plugin
 */
public record PluginUse(String plugin, Params params, Path weights) {

    /** Checks that the plugin and its parameters are there. */
    public PluginUse {
        Objects.requireNonNull(plugin, "plugin");
        Objects.requireNonNull(params, "params");
    }

    /**
     * A plugin and its parameters, without initial weights.
     *
     * @param plugin the plugin's name
     * @param params its validated parameters
     */
    public PluginUse(String plugin, Params params) {
        this(plugin, params, null);
    }

    /**
     * The same use with other parameters.
     *
     * @param other the parameters
     * @return the use
     */
    public PluginUse withParams(Params other) {
        return new PluginUse(plugin, other, weights);
    }
}
