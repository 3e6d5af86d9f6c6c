package dev.replica.runner.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lines of a run's manifest that a reader checks first: seeds, engine and versions, threads,
 * allocator, machine, dataset provenance, plugins, git commit. Absent entries read {@code (not
 * recorded)}.
 */
final class ManifestSummary {

    private static final String ABSENT = "(not recorded)";

    private ManifestSummary() {}

    /**
     * Returns the summary as ordered name-value pairs.
     *
     * @param run the run folder
     * @return the pairs
     */
    static Map<String, String> of(RunContents run) {
        JsonObject m = run.manifest();
        Map<String, String> out = new LinkedHashMap<>();
        out.put("Experiment", run.name() + " (resolved file sha256 " + get(m, "experiment", "sha256") + ")");
        JsonElement experiment = m.get("experiment");
        out.put(
                "Seeds",
                join(
                        experiment != null && experiment.isJsonObject()
                                ? experiment.getAsJsonObject().get("seeds")
                                : null));
        out.put(
                "Engine",
                get(m, "engine", "plugin") + ": " + get(m, "engine", "engine.name") + " "
                        + get(m, "engine", "engine.version") + " on " + get(m, "engine", "device"));
        out.put("DJL", get(m, "engine", "djl.version"));
        out.put(
                "Threads",
                "requested " + get(m, "engine", "threads.requested") + ", observed " + get(m, "engine", "threads"));
        String preload = get(m, "environment", "env.LD_PRELOAD");
        out.put(
                "Allocator",
                (preload.isEmpty() ? "system malloc (no LD_PRELOAD)" : preload)
                        + (get(m, "environment", "env.MALLOC_CONF").isEmpty()
                                ? ""
                                : ", MALLOC_CONF=" + get(m, "environment", "env.MALLOC_CONF")));
        out.put(
                "Java",
                get(m, "environment", "java.version") + " (" + get(m, "environment", "java.vendor") + ", "
                        + get(m, "environment", "java.vm") + ")");
        out.put("OS", get(m, "environment", "os"));
        out.put("CPU", get(m, "environment", "cpu.model") + ", " + get(m, "environment", "cpu.cores") + " cores");
        out.put("CPU instruction sets", get(m, "environment", "cpu.isa_flags"));
        out.put("Determinism", get(m, "engine", "determinism"));
        out.put("Native settings", nativeSettings(m));
        out.put("Dataset", dataset(m));
        out.put("Plugins", plugins(m));
        out.put("Replica", get(m, "replica", "version") + " (file format " + get(m, "replica", "format") + ")");
        out.put("Git commit", get(m, "git", "commit"));
        return out;
    }

    private static String dataset(JsonObject m) {
        JsonElement d = m.get("dataset");
        if (d == null || !d.isJsonObject()) {
            return ABSENT;
        }
        JsonObject data = d.getAsJsonObject();
        if (!data.has("provenance")) {
            // Several seeds: one entry per seed, the same files; show the first.
            for (Map.Entry<String, JsonElement> e : data.entrySet()) {
                if (e.getValue().isJsonObject()) {
                    return describeDataset(e.getValue().getAsJsonObject()) + " (seed " + e.getKey() + "; " + data.size()
                            + " seeds recorded)";
                }
            }
            return ABSENT;
        }
        return describeDataset(data);
    }

    private static String describeDataset(JsonObject data) {
        List<String> parts = new ArrayList<>();
        parts.add(text(data.get("train")) + " train, " + text(data.get("validation")) + " validation ("
                + text(data.get("validation_source")) + "), " + text(data.get("test")) + " test, "
                + text(data.get("classes")) + " classes");
        JsonElement provenance = data.get("provenance");
        if (provenance != null && provenance.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : provenance.getAsJsonObject().entrySet()) {
                parts.add(e.getKey() + ": " + text(e.getValue()));
            }
        }
        return String.join("; ", parts);
    }

    private static String plugins(JsonObject m) {
        JsonElement p = m.get("plugins");
        if (p == null || !p.isJsonObject()) {
            return ABSENT;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : p.getAsJsonObject().entrySet()) {
            JsonElement version =
                    e.getValue().isJsonObject() ? e.getValue().getAsJsonObject().get("version") : null;
            parts.add(e.getKey() + " " + (version == null ? ABSENT : text(version)));
        }
        return String.join(", ", parts);
    }

    /** A string value of {@code section.key}, or {@value #ABSENT}. */
    static String get(JsonObject m, String section, String key) {
        JsonElement s = m.get(section);
        if (s == null || !s.isJsonObject() || !s.getAsJsonObject().has(key)) {
            return ABSENT;
        }
        return text(s.getAsJsonObject().get(key));
    }

    /**
     * Returns the warning a report shows first when the run was made where the determinism probe failed
     * ({@code engine.determinism: relaxed}), or {@code null} when it passed or was not recorded.
     *
     * @param run the run
     * @return the warning, or {@code null}
     */
    static String notReproducibleWarning(RunContents run) {
        JsonObject m = run.manifest();
        if (!"false".equals(get(m, "engine", "determinism.bit_identical"))) {
            return null;
        }
        return "Not bit-reproducible on the machine it ran on: " + get(m, "engine", "determinism")
                + ". A rerun there may give other bits; compare results with tolerances, not bit for bit.";
    }

    private static String nativeSettings(JsonObject m) {
        JsonElement s = m.get("engine");
        if (s == null || !s.isJsonObject()) {
            return ABSENT;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : s.getAsJsonObject().entrySet()) {
            if (e.getKey().startsWith("native.")) {
                parts.add(e.getKey().substring("native.".length()) + "=" + text(e.getValue()));
            }
        }
        return parts.isEmpty() ? ABSENT : String.join(", ", parts);
    }

    private static String join(JsonElement list) {
        if (list == null || !list.isJsonArray()) {
            return ABSENT;
        }
        List<String> parts = new ArrayList<>();
        list.getAsJsonArray().forEach(e -> parts.add(text(e)));
        return String.join(", ", parts);
    }

    private static String text(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return ABSENT;
        }
        return e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }
}
