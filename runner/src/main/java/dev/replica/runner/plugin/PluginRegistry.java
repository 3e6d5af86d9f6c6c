package dev.replica.runner.plugin;

import dev.replica.api.DatasetPlugin;
import dev.replica.api.EnginePlugin;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.UserException;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Every plugin of every kind, by name. Filled from {@link ServiceLoader} or by hand (tests); sorted
 * maps keep every listing independent of the class path's order.
 */
public final class PluginRegistry {

    private static final Logger LOG = LogManager.getLogger(PluginRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private final Map<PluginKind, NavigableMap<String, Plugin>> byKind;

    private PluginRegistry(Map<PluginKind, NavigableMap<String, Plugin>> byKind) {
        this.byKind = byKind;
    }

    /**
     * Discovers every plugin that {@code META-INF/services} registers on the class loader, and logs
     * one line with what was found.
     *
     * @param loader the class loader to search (the application's, or one over a plugins folder)
     * @return the registry
     * @throws UserException when two plugins of one kind share a name, naming both classes
     */
    public static PluginRegistry discover(ClassLoader loader) {
        Builder builder = new Builder();
        for (PluginKind kind : PluginKind.values()) {
            try {
                for (Plugin p : ServiceLoader.load(kind.type(), loader)) {
                    builder.add(kind, p);
                }
            } catch (ServiceConfigurationError | LinkageError e) {
                // A plugin jar with a bad services entry, or built against another api.
                throw new UserException(
                        "cannot load a " + kind.word() + " plugin: " + e.getMessage()
                                + "; remove or rebuild that jar (class path, --plugins or REPLICA_PLUGINS)",
                        e);
            }
        }
        PluginRegistry registry = builder.build();
        LOG.info("Plugins: {}", registry.summary());
        return registry;
    }

    /**
     * Returns a builder for a registry made by hand.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the plugin of a kind by name.
     *
     * @param kind the kind
     * @param name the name as written in the experiment file
     * @return the plugin, an instance of {@code kind.type()}
     * @throws UserException when there is none, listing the names that exist
     */
    public Plugin get(PluginKind kind, String name) {
        Plugin p = byKind.get(kind).get(name);
        if (p == null) {
            throw new UserException(unknownMessage(kind, name));
        }
        return p;
    }

    /**
     * Returns an engine plugin by name.
     *
     * @param name the name
     * @return the plugin
     * @throws UserException when there is none
     */
    public EnginePlugin engine(String name) {
        return EnginePlugin.class.cast(get(PluginKind.ENGINE, name));
    }

    /**
     * Returns a dataset plugin by name.
     *
     * @param name the name
     * @return the plugin
     * @throws UserException when there is none
     */
    public DatasetPlugin dataset(String name) {
        return DatasetPlugin.class.cast(get(PluginKind.DATASET, name));
    }

    /**
     * Returns a model plugin by name.
     *
     * @param name the name
     * @return the plugin
     * @throws UserException when there is none
     */
    public ModelPlugin model(String name) {
        return ModelPlugin.class.cast(get(PluginKind.MODEL, name));
    }

    /**
     * Returns an optimizer plugin by name.
     *
     * @param name the name
     * @return the plugin
     * @throws UserException when there is none
     */
    public OptimizerPlugin optimizer(String name) {
        return OptimizerPlugin.class.cast(get(PluginKind.OPTIMIZER, name));
    }

    /**
     * Returns a schedule plugin by name.
     *
     * @param name the name
     * @return the plugin
     * @throws UserException when there is none
     */
    public SchedulePlugin schedule(String name) {
        return SchedulePlugin.class.cast(get(PluginKind.SCHEDULE, name));
    }

    /**
     * Returns whether a plugin exists.
     *
     * @param kind the kind
     * @param name the name
     * @return {@code true} when registered
     */
    public boolean has(PluginKind kind, String name) {
        return byKind.get(kind).containsKey(name);
    }

    /**
     * Returns the plugins of a kind, sorted by name.
     *
     * @param kind the kind
     * @return an unmodifiable map
     */
    public NavigableMap<String, Plugin> all(PluginKind kind) {
        return Collections.unmodifiableNavigableMap(byKind.get(kind));
    }

    /**
     * The message for an unknown name, e.g. {@code unknown model plugin 'resnt'; available: [resnet,
     * vgg]}.
     *
     * @param kind the kind
     * @param name the unknown name
     * @return the message
     */
    public String unknownMessage(PluginKind kind, String name) {
        return "unknown " + kind.word() + " plugin '" + name + "'; available: "
                + new ArrayList<>(byKind.get(kind).keySet());
    }

    /**
     * One line listing every kind and its names, e.g. {@code engine [mxnet, pytorch]; model [resnet]}.
     *
     * @return the line
     */
    public String summary() {
        List<String> parts = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            parts.add(kind.word() + " " + new ArrayList<>(byKind.get(kind).keySet()));
        }
        return String.join("; ", parts);
    }

    /** Collects plugins and checks names; {@link #build} freezes them. */
    public static final class Builder {
        private final Map<PluginKind, NavigableMap<String, Plugin>> byKind = new EnumMap<>(PluginKind.class);

        private Builder() {
            for (PluginKind kind : PluginKind.values()) {
                byKind.put(kind, new TreeMap<>());
            }
        }

        /**
         * Adds a plugin.
         *
         * @param kind its kind
         * @param plugin the plugin, an instance of the kind's interface
         * @return this builder
         * @throws UserException on a bad or duplicate name
         */
        public Builder add(PluginKind kind, Plugin plugin) {
            if (!kind.type().isInstance(plugin)) {
                throw new IllegalArgumentException(
                        plugin.getClass().getName() + " is not a " + kind.type().getName());
            }
            String name = plugin.name();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new UserException(
                        kind.word() + " plugin " + plugin.getClass().getName() + " has the name '" + name
                                + "'; names must match [a-z][a-z0-9-]*");
            }
            Plugin previous = byKind.get(kind).putIfAbsent(name, plugin);
            if (previous != null) {
                throw new UserException(
                        "two " + kind.word() + " plugins are named '" + name + "': " + describe(previous) + " and "
                                + describe(plugin) + "; remove one of them from the class path or the plugins folder");
            }
            return this;
        }

        /**
         * Freezes the registry.
         *
         * @return the registry
         */
        public PluginRegistry build() {
            Map<PluginKind, NavigableMap<String, Plugin>> copy = new EnumMap<>(PluginKind.class);
            byKind.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
            return new PluginRegistry(copy);
        }

        private static String describe(Plugin p) {
            Class<?> c = p.getClass();
            CodeSource source = c.getProtectionDomain().getCodeSource();
            return c.getName()
                    + (source == null || source.getLocation() == null ? "" : " (" + source.getLocation() + ")");
        }
    }
}
