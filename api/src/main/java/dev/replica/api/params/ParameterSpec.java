package dev.replica.api.params;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One parameter of a plugin: key, type, default, what is allowed, and a description. Built with the
 * static factories and the {@code with}/{@code allowing}/{@code at} methods, e.g.
 * {@code ParameterSpec.integer("depth", "number of layers").withDefault(18).allowing(18, 34)}.
 *
 * @param key the key in the {@code params} mapping
 * @param type the value type
 * @param description one line for {@code replica describe}
 * @param defaultValue the default, or {@code null} when the key is required
 * @param allowed the only values allowed (each element, for lists), or empty for any
 * @param min the smallest value allowed (each element, for lists), or {@code null}
 * @param minExclusive whether {@code min} itself is excluded
 * @param max the largest value allowed, or {@code null}
 * @param maxExclusive whether {@code max} itself is excluded
 */
public record ParameterSpec(
        String key,
        ParameterType type,
        String description,
        Object defaultValue,
        List<Object> allowed,
        Double min,
        boolean minExclusive,
        Double max,
        boolean maxExclusive) {

    /** Checks the components and normalises the default to the type's Java form. */
    public ParameterSpec {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        allowed = List.copyOf(allowed);
    }

    /**
     * An integer parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter with no limits
     */
    public static ParameterSpec integer(String key, String description) {
        return new ParameterSpec(key, ParameterType.INTEGER, description, null, List.of(), null, false, null, false);
    }

    /**
     * A number parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter with no limits
     */
    public static ParameterSpec real(String key, String description) {
        return new ParameterSpec(key, ParameterType.REAL, description, null, List.of(), null, false, null, false);
    }

    /**
     * A boolean parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter
     */
    public static ParameterSpec bool(String key, String description) {
        return new ParameterSpec(key, ParameterType.BOOLEAN, description, null, List.of(), null, false, null, false);
    }

    /**
     * A string parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter with no limits
     */
    public static ParameterSpec string(String key, String description) {
        return new ParameterSpec(key, ParameterType.STRING, description, null, List.of(), null, false, null, false);
    }

    /**
     * A list-of-integers parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter with no limits
     */
    public static ParameterSpec integerList(String key, String description) {
        return new ParameterSpec(
                key, ParameterType.INTEGER_LIST, description, null, List.of(), null, false, null, false);
    }

    /**
     * A list-of-numbers parameter.
     *
     * @param key the key
     * @param description one line of description
     * @return a required parameter with no limits
     */
    public static ParameterSpec realList(String key, String description) {
        return new ParameterSpec(key, ParameterType.REAL_LIST, description, null, List.of(), null, false, null, false);
    }

    /**
     * Returns a copy with a default, which makes the parameter optional.
     *
     * @param value the default, in any form {@link ParameterSchema} accepts for the type
     * @return the copy
     */
    public ParameterSpec withDefault(Object value) {
        Object normal = ParameterSchema.convert(this, Objects.requireNonNull(value, "value"), key, new ArrayList<>());
        if (normal == null) {
            throw new IllegalArgumentException("default " + value + " of '" + key + "' is not " + type.phrase());
        }
        return new ParameterSpec(key, type, description, normal, allowed, min, minExclusive, max, maxExclusive);
    }

    /**
     * Returns a copy that allows only the given values (each element, for lists).
     *
     * @param values the allowed values
     * @return the copy
     */
    public ParameterSpec allowing(Object... values) {
        return new ParameterSpec(
                key, type, description, defaultValue, Arrays.asList(values), min, minExclusive, max, maxExclusive);
    }

    /**
     * Returns a copy with an inclusive lower bound.
     *
     * @param bound the smallest value allowed
     * @return the copy
     */
    public ParameterSpec atLeast(double bound) {
        return new ParameterSpec(key, type, description, defaultValue, allowed, bound, false, max, maxExclusive);
    }

    /**
     * Returns a copy with an exclusive lower bound.
     *
     * @param bound the value that all allowed values exceed
     * @return the copy
     */
    public ParameterSpec greaterThan(double bound) {
        return new ParameterSpec(key, type, description, defaultValue, allowed, bound, true, max, maxExclusive);
    }

    /**
     * Returns a copy with an inclusive upper bound.
     *
     * @param bound the largest value allowed
     * @return the copy
     */
    public ParameterSpec atMost(double bound) {
        return new ParameterSpec(key, type, description, defaultValue, allowed, min, minExclusive, bound, false);
    }

    /**
     * Returns a copy with an exclusive upper bound.
     *
     * @param bound the value that all allowed values stay below
     * @return the copy
     */
    public ParameterSpec lessThan(double bound) {
        return new ParameterSpec(key, type, description, defaultValue, allowed, min, minExclusive, bound, true);
    }

    /**
     * Returns whether the key must be given.
     *
     * @return {@code true} when there is no default
     */
    public boolean required() {
        return defaultValue == null;
    }

    /**
     * Describes what is allowed, e.g. {@code [18, 34]}, {@code >= 1}, {@code > 0 and <= 1}, or the
     * type's phrase when any value of the type is.
     *
     * @return the description
     */
    public String allowedText() {
        if (!allowed.isEmpty()) {
            return Values.render(allowed);
        }
        List<String> parts = new ArrayList<>();
        if (min != null) {
            parts.add((minExclusive ? "> " : ">= ") + Values.formatNumber(min));
        }
        if (max != null) {
            parts.add((maxExclusive ? "< " : "<= ") + Values.formatNumber(max));
        }
        if (parts.isEmpty()) {
            return type.phrase();
        }
        return (type.isList() ? "each " : "") + String.join(" and ", parts);
    }
}
