package dev.replica.api.params;

import java.util.Objects;

/**
 * One thing wrong with a parameter value.
 *
 * @param key the parameter key, with {@code [i]} for a list element, e.g. {@code milestones[1]}
 * @param message what is wrong and what is allowed, e.g. {@code 19 is not allowed; allowed: [18, 34]}
 */
public record ParameterProblem(String key, String message) {

    /** Checks that no component is {@code null}. */
    public ParameterProblem {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }
}
