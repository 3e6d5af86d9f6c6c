package dev.replica.report;

import dev.replica.api.engine.EngineFacts;
import dev.replica.core.record.EnvironmentFacts;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunManifest;
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
    private static final String SELF_CHECK = EngineFacts.SELF_CHECK;

    private ManifestSummary() {}

    /**
     * Returns the summary as ordered name-value pairs.
     *
     * @param run the run folder
     * @return the pairs
     */
    static Map<String, String> of(RunContents run) {
        RunManifest m = run.record();
        Map<String, String> env = m.environment();
        Map<String, String> engine = m.engine();
        Map<String, String> out = new LinkedHashMap<>();
        out.put(
                "Experiment",
                run.name() + " (resolved file sha256 " + shown(m.experiment().sha256()) + ")");
        out.put(
                "Seeds",
                m.experiment().seeds().isEmpty() ? ABSENT : join(m.experiment().seeds()));
        out.put(
                "Engine",
                at(engine, EngineFacts.PLUGIN) + ": " + at(engine, EngineFacts.ENGINE_NAME) + " "
                        + at(engine, EngineFacts.ENGINE_VERSION) + " on " + at(engine, EngineFacts.DEVICE));
        out.put("DJL", at(engine, EngineFacts.DJL_VERSION));
        out.put(
                "Threads",
                "requested " + at(engine, EngineFacts.THREADS_REQUESTED) + ", observed "
                        + at(engine, EngineFacts.THREADS));
        String preload = env.getOrDefault(EnvironmentFacts.LD_PRELOAD, "");
        String mallocConf = env.getOrDefault(EnvironmentFacts.MALLOC_CONF, "");
        out.put(
                "Allocator",
                (preload.isEmpty() ? "system malloc (no LD_PRELOAD)" : preload)
                        + (mallocConf.isEmpty() ? "" : ", MALLOC_CONF=" + mallocConf));
        out.put(
                "Java",
                at(env, EnvironmentFacts.JAVA_VERSION) + " (" + at(env, EnvironmentFacts.JAVA_VENDOR) + ", "
                        + at(env, EnvironmentFacts.JAVA_VM) + ")");
        out.put("OS", at(env, EnvironmentFacts.OS));
        out.put("CPU", at(env, EnvironmentFacts.CPU_MODEL) + ", " + at(env, EnvironmentFacts.CPU_CORES) + " cores");
        out.put("CPU instruction sets", at(env, EnvironmentFacts.CPU_ISA_FLAGS));
        out.put("Determinism", at(engine, EngineFacts.DETERMINISM));
        out.put("Self-check", selfChecks(engine));
        out.put("Native settings", nativeSettings(engine));
        out.put("Dataset", dataset(m));
        out.put("Plugins", plugins(m));
        out.put(
                "Replica",
                shown(m.replica().version()) + " (file format "
                        + shown(m.replica().format()) + ")");
        out.put("Git commit", m.gitCommit());
        return out;
    }

    private static String dataset(RunManifest m) {
        if (m.datasets().isEmpty()) {
            return ABSENT;
        }
        // Several seeds: one entry per seed, the same files; show the first.
        Map.Entry<String, RunManifest.DatasetFacts> first =
                m.datasets().entrySet().iterator().next();
        String described = describeDataset(first.getValue());
        return m.datasets().size() == 1
                ? described
                : described + " (seed " + first.getKey() + "; " + m.datasets().size() + " seeds recorded)";
    }

    private static String describeDataset(RunManifest.DatasetFacts data) {
        List<String> parts = new ArrayList<>();
        parts.add(shown(data.train()) + " train, " + shown(data.validation()) + " validation ("
                + shown(data.validationSource()) + "), " + shown(data.test()) + " test, " + shown(data.classes())
                + " classes");
        data.provenance().forEach((k, v) -> parts.add(k + ": " + v));
        return String.join("; ", parts);
    }

    private static String plugins(RunManifest m) {
        if (m.plugins().isEmpty()) {
            return ABSENT;
        }
        List<String> parts = new ArrayList<>();
        m.plugins().forEach((name, facts) -> parts.add(name + " " + shown(facts.version())));
        return String.join(", ", parts);
    }

    private static String at(Map<String, String> section, String key) {
        return shown(section.get(key));
    }

    private static String shown(Object value) {
        return value == null ? ABSENT : value.toString();
    }

    private static String join(List<Long> values) {
        List<String> parts = new ArrayList<>();
        values.forEach(v -> parts.add(Long.toString(v)));
        return String.join(", ", parts);
    }

    /**
     * Returns the warning a report shows first when the run was made where the determinism probe failed
     * ({@code engine.determinism: relaxed}), or {@code null} when it passed or was not recorded.
     *
     * @param run the run
     * @return the warning, or {@code null}
     */
    static String notReproducibleWarning(RunContents run) {
        RunManifest m = run.record();
        List<Map<String, String>> engines = new ArrayList<>(m.engines().values());
        engines.add(0, m.engine());
        Map<String, String> engine = engines.stream()
                .filter(e -> "false".equals(e.get("determinism.bit_identical"))
                        || e.entrySet().stream()
                                .anyMatch(x -> x.getKey().startsWith(SELF_CHECK)
                                        && x.getValue().startsWith("FAILED")))
                .findFirst()
                .orElse(null);
        if (engine == null) {
            return null;
        }
        return "Not bit-reproducible on the machine it ran on: " + at(engine, EngineFacts.DETERMINISM)
                + ". A rerun there may give other bits; compare results with tolerances, not bit for bit.";
    }

    /** What each model's first steps showed against the probe's: the part of the claim this run proved. */
    private static String selfChecks(Map<String, String> engine) {
        List<String> parts = new ArrayList<>();
        engine.forEach((k, v) -> {
            if (k.startsWith(SELF_CHECK)) {
                parts.add(k.substring(SELF_CHECK.length()) + ": " + v);
            }
        });
        return parts.isEmpty() ? ABSENT : String.join("; ", parts);
    }

    private static String nativeSettings(Map<String, String> engine) {
        List<String> parts = new ArrayList<>();
        engine.forEach((k, v) -> {
            if (k.startsWith(EngineFacts.NATIVE)) {
                parts.add(k.substring(EngineFacts.NATIVE.length()) + "=" + v);
            }
        });
        return parts.isEmpty() ? ABSENT : String.join(", ", parts);
    }
}
