package dev.replica.api;

import dev.replica.api.params.ParameterSchema;

/**
 * What every Replica plugin has: a stable short name used in experiment files, and the schema of its
 * parameters. Each kind of plugin adds one factory method.
 *
 * <p>Names are lower-case ({@code [a-z][a-z0-9-]*}) and stable forever: experiment files refer to
 * them, never to class names. Plugins keep no static state.
 */
public interface Plugin {

    /**
     * Returns the plugin's stable short name, e.g. {@code resnet}.
     *
     * @return the name, never {@code null}
     */
    String name();

    /**
     * Returns the schema that the plugin's parameters are validated against before it sees them.
     *
     * @return the schema, never {@code null}
     */
    ParameterSchema schema();

    /**
     * Returns a one-line description for listings.
     *
     * @return the description, never {@code null}
     */
    default String description() {
        return "";
    }

    /**
     * Returns the plugin's version, recorded in every run's manifest. Defaults to the jar's
     * {@code Implementation-Version}, or {@code dev} when run from classes.
     *
     * @return the version, never {@code null}
     */
    default String version() {
        String v = getClass().getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
