package dev.replica.api.params;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Typed, validated parameter values with every default filled in. Only {@link ParameterSchema} makes
 * them, so a plugin never sees a raw map. Asking for an undeclared key or the wrong type is a
 * programming error and throws {@link IllegalArgumentException}.
 */
public final class Params {

    private final ParameterSchema schema;
    private final Map<String, Object> values;

    Params(ParameterSchema schema, Map<String, Object> values) {
        this.schema = schema;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * Returns an integer parameter.
     *
     * @param key the key
     * @return the value
     */
    public int getInt(String key) {
        return (Integer) get(key, ParameterType.INTEGER);
    }

    /**
     * Returns a number parameter.
     *
     * @param key the key
     * @return the value
     */
    public double getDouble(String key) {
        return (Double) get(key, ParameterType.REAL);
    }

    /**
     * Returns a boolean parameter.
     *
     * @param key the key
     * @return the value
     */
    public boolean getBoolean(String key) {
        return (Boolean) get(key, ParameterType.BOOLEAN);
    }

    /**
     * Returns a string parameter.
     *
     * @param key the key
     * @return the value
     */
    public String getString(String key) {
        return (String) get(key, ParameterType.STRING);
    }

    /**
     * Returns a list-of-integers parameter.
     *
     * @param key the key
     * @return an unmodifiable list
     */
    @SuppressWarnings("unchecked")
    public List<Integer> getIntList(String key) {
        return (List<Integer>) get(key, ParameterType.INTEGER_LIST);
    }

    /**
     * Returns a list-of-numbers parameter.
     *
     * @param key the key
     * @return an unmodifiable list
     */
    @SuppressWarnings("unchecked")
    public List<Double> getDoubleList(String key) {
        return (List<Double>) get(key, ParameterType.REAL_LIST);
    }

    /**
     * Returns every value in the schema's order, for writing the resolved experiment.
     *
     * @return an unmodifiable map
     */
    public Map<String, Object> asMap() {
        return values;
    }

    private Object get(String key, ParameterType type) {
        ParameterSpec spec = schema.spec(key)
                .orElseThrow(() -> new IllegalArgumentException("no parameter '" + key + "' in the schema"));
        if (spec.type() != type) {
            throw new IllegalArgumentException(
                    "parameter '" + key + "' is " + spec.type().phrase() + ", not " + type.phrase());
        }
        return Objects.requireNonNull(values.get(key), key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Params && values.equals(((Params) o).values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
