package dev.replica.api.params;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The parameters of a plugin, in declaration order, and the one place where raw values (from YAML or
 * the command line) become typed {@link Params}. Validation reports every problem at once.
 */
public final class ParameterSchema {

    private static final ParameterSchema EMPTY = new ParameterSchema(List.of(), p -> List.of());

    private final Map<String, ParameterSpec> specs;
    private final Function<Params, List<ParameterProblem>> check;

    private ParameterSchema(List<ParameterSpec> specs, Function<Params, List<ParameterProblem>> check) {
        Map<String, ParameterSpec> m = new LinkedHashMap<>();
        for (ParameterSpec s : specs) {
            if (m.put(s.key(), s) != null) {
                throw new IllegalArgumentException("parameter '" + s.key() + "' is declared twice");
            }
        }
        this.specs = Collections.unmodifiableMap(m);
        this.check = check;
    }

    /**
     * Creates a schema.
     *
     * @param specs the parameters, in the order they are documented
     * @return the schema
     */
    public static ParameterSchema of(ParameterSpec... specs) {
        return new ParameterSchema(List.of(specs), p -> List.of());
    }

    /**
     * Returns the schema of a plugin without parameters.
     *
     * @return the empty schema
     */
    public static ParameterSchema empty() {
        return EMPTY;
    }

    /**
     * Returns a copy with a rule over several keys, run when every key alone is valid.
     *
     * @param rule returns the problems of a set of typed values, or an empty list
     * @return the copy
     */
    public ParameterSchema withCheck(Function<Params, List<ParameterProblem>> rule) {
        Function<Params, List<ParameterProblem>> previous = check;
        return new ParameterSchema(List.copyOf(specs.values()), p -> {
            List<ParameterProblem> all = new ArrayList<>(previous.apply(p));
            all.addAll(rule.apply(p));
            return all;
        });
    }

    /**
     * Returns a copy in which a parameter has an inclusive upper bound, its other limits and the schema's
     * rules kept: how a host bounds a plugin's parameter the plugin left open.
     *
     * @param key the parameter; the copy is this schema when it has none of that key
     * @param bound the largest value allowed
     * @return the copy
     */
    public ParameterSchema withMaximum(String key, double bound) {
        if (!specs.containsKey(key)) {
            return this;
        }
        List<ParameterSpec> all = new ArrayList<>();
        for (ParameterSpec s : specs.values()) {
            all.add(s.key().equals(key) && (s.max() == null || s.max() > bound) ? s.atMost(bound) : s);
        }
        return new ParameterSchema(all, check);
    }

    /**
     * Returns the parameters in declaration order.
     *
     * @return an unmodifiable list
     */
    public List<ParameterSpec> specs() {
        return List.copyOf(specs.values());
    }

    /**
     * Looks a parameter up by key.
     *
     * @param key the key
     * @return the spec, or empty
     */
    public Optional<ParameterSpec> spec(String key) {
        return Optional.ofNullable(specs.get(key));
    }

    /**
     * Returns the parameters with every default; fails when a key is required.
     *
     * @return the defaults
     */
    public Params defaults() {
        return validate(Map.of()).orElseThrow();
    }

    /**
     * Validates raw values: unknown keys, missing required keys, types, allowed values and ranges, then
     * the schema's cross-key rules.
     *
     * @param raw the values by key, as YAML or the command line gave them; never {@code null}
     * @return the typed values with defaults filled in, or every problem
     */
    public Validation validate(Map<String, ?> raw) {
        Objects.requireNonNull(raw, "raw");
        List<ParameterProblem> problems = new ArrayList<>();
        for (String key : raw.keySet()) {
            if (!specs.containsKey(key)) {
                problems.add(new ParameterProblem(key, unknownKeyMessage(key, specs.keySet())));
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : specs.values()) {
            if (!raw.containsKey(spec.key())) {
                if (spec.required()) {
                    problems.add(
                            new ParameterProblem(spec.key(), "missing required key; allowed: " + spec.allowedText()));
                } else {
                    values.put(spec.key(), spec.defaultValue());
                }
                continue;
            }
            Object value = convert(spec, raw.get(spec.key()), spec.key(), problems);
            if (value != null) {
                values.put(spec.key(), value);
            }
        }
        if (problems.isEmpty()) {
            Params params = new Params(this, values);
            problems.addAll(check.apply(params));
            if (problems.isEmpty()) {
                return new Validation(params, List.of());
            }
        }
        return new Validation(null, List.copyOf(problems));
    }

    /**
     * The message for an unknown key: a suggestion when one is close, else the allowed keys.
     *
     * @param key the unknown key
     * @param known the known keys, in the order to list them
     * @return the message
     */
    public static String unknownKeyMessage(String key, Collection<String> known) {
        String near = Values.closest(key, known);
        if (near != null) {
            return "unknown key; did you mean '" + near + "'?";
        }
        return "unknown key; allowed: " + (known.isEmpty() ? "none" : "[" + String.join(", ", known) + "]");
    }

    /** Why a value is not of a type: a whole number beyond an integer's range is said to be so. */
    private static String typeProblem(ParameterType type, Object raw) {
        if (type == ParameterType.INTEGER && (raw instanceof Long || raw instanceof BigInteger)) {
            return Values.render(raw) + " is out of range; allowed: an integer from " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE;
        }
        return Values.render(raw) + " is not " + type.phrase();
    }

    /** Converts one raw value to the spec's Java form, or adds problems and returns {@code null}. */
    static Object convert(ParameterSpec spec, Object raw, String key, List<ParameterProblem> problems) {
        ParameterType type = spec.type();
        if (!type.isList()) {
            Object v = scalar(type, raw);
            if (v == null) {
                problems.add(new ParameterProblem(key, typeProblem(type, raw)));
                return null;
            }
            return checkLimits(spec, v, key, problems) ? v : null;
        }
        if (!(raw instanceof List)) {
            problems.add(new ParameterProblem(key, Values.render(raw) + " is not " + type.phrase()));
            return null;
        }
        List<Object> out = new ArrayList<>();
        boolean ok = true;
        List<?> items = (List<?>) raw;
        for (int i = 0; i < items.size(); i++) {
            String itemKey = key + "[" + i + "]";
            Object v = scalar(type.elementType(), items.get(i));
            if (v == null) {
                problems.add(new ParameterProblem(itemKey, typeProblem(type.elementType(), items.get(i))));
                ok = false;
            } else if (checkLimits(spec, v, itemKey, problems)) {
                out.add(v);
            } else {
                ok = false;
            }
        }
        return ok ? List.copyOf(out) : null;
    }

    private static Object scalar(ParameterType type, Object raw) {
        switch (type) {
            case INTEGER:
                if (raw instanceof Integer) {
                    return raw;
                }
                if (raw instanceof Long && (Long) raw == ((Long) raw).intValue()) {
                    return ((Long) raw).intValue();
                }
                return null;
            case REAL:
                if (raw instanceof Number) {
                    double d = ((Number) raw).doubleValue();
                    return Double.isFinite(d) ? d : null;
                }
                if (raw instanceof String) {
                    // YAML 1.1 reads 5e-4 (no dot) as a string; accept any finite decimal number.
                    try {
                        double d = Double.parseDouble(((String) raw).trim());
                        return Double.isFinite(d) ? d : null;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
                return null;
            case BOOLEAN:
                return raw instanceof Boolean ? raw : null;
            case STRING:
                return raw instanceof String ? raw : null;
            default:
                throw new IllegalStateException("not a scalar type: " + type);
        }
    }

    private static boolean checkLimits(ParameterSpec spec, Object v, String key, List<ParameterProblem> problems) {
        if (!spec.allowed().isEmpty() && spec.allowed().stream().noneMatch(a -> sameValue(a, v))) {
            problems.add(new ParameterProblem(
                    key, Values.render(v) + " is not allowed; allowed: " + Values.render(spec.allowed())));
            return false;
        }
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            boolean low = spec.min() != null && (spec.minExclusive() ? d <= spec.min() : d < spec.min());
            boolean high = spec.max() != null && (spec.maxExclusive() ? d >= spec.max() : d > spec.max());
            if (low || high) {
                String allowed = spec.allowedText().replaceFirst("^each ", "");
                problems.add(new ParameterProblem(key, Values.render(v) + " is out of range; allowed: " + allowed));
                return false;
            }
        }
        return true;
    }

    private static boolean sameValue(Object allowed, Object v) {
        if (allowed instanceof Number && v instanceof Number) {
            return ((Number) allowed).doubleValue() == ((Number) v).doubleValue();
        }
        return allowed.equals(v);
    }

    /**
     * The outcome of {@link #validate}: typed values, or every problem.
     *
     * @param params the typed values, or {@code null} when there are problems
     * @param problems the problems, empty when valid
     */
    public record Validation(Params params, List<ParameterProblem> problems) {

        /**
         * Returns whether the values were valid.
         *
         * @return {@code true} when there are no problems
         */
        public boolean valid() {
            return problems.isEmpty();
        }

        /**
         * Returns the typed values or throws listing every problem.
         *
         * @return the values
         * @throws IllegalArgumentException when there are problems
         */
        public Params orElseThrow() {
            if (!valid()) {
                List<String> lines = new ArrayList<>();
                for (ParameterProblem p : problems) {
                    lines.add(p.key() + ": " + p.message());
                }
                throw new IllegalArgumentException(String.join("; ", lines));
            }
            return params;
        }
    }
}
