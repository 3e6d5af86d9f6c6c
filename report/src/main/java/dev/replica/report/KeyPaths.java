package dev.replica.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.replica.core.state.SafeFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Flattens nested maps (a resolved experiment, a manifest) to key paths such as
 * {@code models.resnet18.params.width}, and lists what differs between two of them, path by path.
 * Lists are leaves, shown whole ({@code [50, 75]}).
 */
public final class KeyPaths {

    /** Shown for a key one side does not have. */
    public static final String ABSENT = "(absent)";

    private KeyPaths() {}

    /**
     * One key path whose values differ.
     *
     * @param path the key path
     * @param left the value on the left, or {@link #ABSENT}
     * @param right the value on the right, or {@link #ABSENT}
     */
    public record Difference(String path, String left, String right) {

        @Override
        public String toString() {
            // Run-folder text: a control character (an escape sequence for the terminal) is shown, not sent.
            return SafeFiles.printable(path + ": " + left + " -> " + right);
        }
    }

    /**
     * Flattens YAML values.
     *
     * @param map the mapping
     * @return key path to value text, in the mapping's order
     */
    public static Map<String, String> flatten(Map<?, ?> map) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", map, out);
        return out;
    }

    /**
     * Flattens a JSON object.
     *
     * @param object the object
     * @return key path to value text, in the object's order
     */
    public static Map<String, String> flatten(JsonObject object) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", object, out);
        return out;
    }

    /**
     * Lists the key paths whose values differ: the left's paths in its order, then paths only the
     * right has.
     *
     * @param left one side
     * @param right the other side
     * @return the differences
     */
    public static List<Difference> differences(Map<String, String> left, Map<String, String> right) {
        Set<String> paths = new LinkedHashSet<>(left.keySet());
        paths.addAll(right.keySet());
        List<Difference> out = new ArrayList<>();
        for (String p : paths) {
            String a = left.getOrDefault(p, ABSENT);
            String b = right.getOrDefault(p, ABSENT);
            if (!Objects.equals(a, b)) {
                out.add(new Difference(p, a, b));
            }
        }
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String path = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map && !((Map<?, ?>) e.getValue()).isEmpty()) {
                flatten(path, (Map<?, ?>) e.getValue(), out);
            } else {
                out.put(path, String.valueOf(e.getValue()));
            }
        }
    }

    private static void flatten(String prefix, JsonObject object, Map<String, String> out) {
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonElement v = e.getValue();
            if (v.isJsonObject() && v.getAsJsonObject().size() > 0) {
                flatten(path, v.getAsJsonObject(), out);
            } else {
                out.put(path, v.isJsonPrimitive() ? v.getAsString() : v.toString());
            }
        }
    }
}
