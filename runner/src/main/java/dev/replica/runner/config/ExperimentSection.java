package dev.replica.runner.config;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A top-level section of the experiment file that a tool above the runner owns ({@code check:}, owned by
 * the check module), found through {@link ServiceLoader}: the runner reads it with its owner's reader,
 * keeps the value in the {@link Experiment}, and writes it back resolved. Where the owner is not on the
 * class path the key is unknown, like any misspelt one.
 *
 * @param <T> the section's value
 */
public interface ExperimentSection<T> {

    /**
     * Returns the section's top-level key.
     *
     * @return e.g. {@code check}
     */
    String key();

    /**
     * Returns the type of the section's value.
     *
     * @return the class
     */
    Class<T> type();

    /**
     * Reads the section, adding a problem to {@code context.problems()} for everything wrong in it.
     *
     * @param node the section's value node
     * @param context the rest of the experiment and the reader's tools
     * @return the value, or {@code null} when there were problems
     */
    T read(Node node, SectionContext context);

    /**
     * Writes the value as the resolved file holds it: every default filled in, read back to an equal value.
     *
     * @param value the value
     * @return the section's node
     */
    Node write(T value);

    /**
     * Returns the sections installed with Replica, by key.
     *
     * @return the sections
     */
    static List<ExperimentSection<?>> installed() {
        return Installed.ALL;
    }

    /** Loaded once: sections come with Replica's own modules, not from a plugins folder. */
    final class Installed {
        private static final List<ExperimentSection<?>> ALL =
                ServiceLoader.load(ExperimentSection.class, ExperimentSection.class.getClassLoader()).stream()
                        .<ExperimentSection<?>>map(ServiceLoader.Provider::get)
                        .sorted(Comparator.comparing(ExperimentSection::key))
                        .toList();

        private Installed() {}
    }
}
