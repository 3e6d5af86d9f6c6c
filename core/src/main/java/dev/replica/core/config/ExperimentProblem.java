package dev.replica.core.config;

import java.util.Objects;

/**
 * One problem of an experiment file, as one line of {@link ExperimentException}'s message:
 * {@code models.resnet18.params.depth (7:46): 19 is not allowed; allowed: [18, 34]}.
 *
 * @param path the key path, e.g. {@code schedule.params.milestones[1]}; empty when the problem is the
 *     file's as a whole (not found, not YAML, not a mapping)
 * @param where the 1-based {@code line:column} of the value (bad values) or of the key (unknown and
 *     duplicate keys) or of the enclosing mapping (missing keys); {@code --set} for a command-line
 *     override; {@code file} when the file could not be read
 * @param message what is wrong and what is allowed
 */
public record ExperimentProblem(String path, String where, String message) {

    /** Checks that no component is {@code null}. */
    public ExperimentProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(message, "message");
    }

    /**
     * Renders the problem as one line, without indentation.
     *
     * @return e.g. {@code models.resnet18.params.widht (7:50): unknown key; did you mean 'width'?}
     */
    @Override
    public String toString() {
        return (path.isEmpty() ? "" : path + " ") + "(" + where + "): " + message;
    }
}
