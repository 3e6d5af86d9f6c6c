package dev.replica.runner.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.replica.api.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares a run with its reproduction: the machine and versions before (warnings), the results after.
 * A reproduction is identical when every {@code history.csv} is byte-equal and the manifests'
 * {@code weights.sha256} are equal.
 */
public final class Reproduction {

    /** The manifest key of the final weights' checksums. */
    public static final String WEIGHTS = "weights.sha256";

    private Reproduction() {}

    /**
     * The outcome of a comparison.
     *
     * @param identical whether history and weights are equal
     * @param lines one line per file compared and one for the weights
     */
    public record Verdict(boolean identical, List<String> lines) {}

    /**
     * Checks that a run finished, so there is something to reproduce.
     *
     * @param run the recorded run
     * @throws UserException when its manifest has no final weights
     */
    public static void requireFinished(RunContents run) {
        JsonElement w = run.manifest().get(WEIGHTS);
        if (w == null || !w.isJsonObject() || w.getAsJsonObject().size() == 0) {
            throw new UserException(run.folder() + " has not finished: its " + RunContents.MANIFEST + " has no "
                    + WEIGHTS + "; finish it with 'replica run --resume " + run.folder() + "' first");
        }
    }

    /**
     * Lists what differs between what a run recorded and this process: the machine ({@code
     * environment}: Java, OS, CPU, allocator, threads), the engine ({@code engine}: DJL, engine and native
     * versions, device, threads) and the plugins' and Replica's versions.
     *
     * @param recorded the recorded manifest
     * @param environment this process's {@code environment} section
     * @param engine this process's {@code engine} section
     * @param pluginVersions this process's version of each recorded plugin, keyed as the manifest keys
     *     them ({@code model.resnet}); a plugin that is not installed is absent
     * @param replicaVersion this Replica's version
     * @return one line per difference, e.g. {@code environment.java.version: recorded 17.0.15, now 21.0.2}
     */
    public static List<String> machineDifferences(
            JsonObject recorded,
            Map<String, String> environment,
            Map<String, String> engine,
            Map<String, String> pluginVersions,
            String replicaVersion) {
        List<String> lines = new ArrayList<>();
        compareSection(lines, "environment", section(recorded, "environment"), environment);
        compareSection(lines, "engine", section(recorded, "engine"), engine);
        JsonElement plugins = recorded.get("plugins");
        if (plugins != null && plugins.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : plugins.getAsJsonObject().entrySet()) {
                JsonElement v = e.getValue().isJsonObject()
                        ? e.getValue().getAsJsonObject().get("version")
                        : null;
                String was = v == null || !v.isJsonPrimitive() ? KeyPaths.ABSENT : v.getAsString();
                String now = pluginVersions.getOrDefault(e.getKey(), "(not installed)");
                if (!was.equals(now)) {
                    lines.add("plugins." + e.getKey() + ".version: recorded " + was + ", now " + now);
                }
            }
        }
        String was = ManifestSummary.get(recorded, "replica", "version");
        if (!was.equals(replicaVersion)) {
            lines.add("replica.version: recorded " + was + ", now " + replicaVersion);
        }
        return lines;
    }

    /**
     * Compares the results of a run and its reproduction.
     *
     * @param original the recorded run
     * @param reproduction the new run
     * @return the verdict
     */
    public static Verdict compare(RunContents original, RunContents reproduction) {
        List<String> lines = new ArrayList<>();
        boolean identical = true;
        List<Path> files = original.historyFiles();
        if (files.isEmpty()) {
            lines.add("no history.csv in " + original.folder());
            identical = false;
        }
        for (Path relative : files) {
            Path a = original.folder().resolve(relative);
            Path b = reproduction.folder().resolve(relative);
            String state = compareFiles(a, b);
            identical &= state.equals("identical");
            lines.add(relative + ": " + state);
        }
        JsonElement before = original.manifest().get(WEIGHTS);
        JsonElement after = reproduction.manifest().get(WEIGHTS);
        if (before != null && before.equals(after)) {
            lines.add(WEIGHTS + ": identical (" + before.getAsJsonObject().size() + " models)");
        } else {
            identical = false;
            List<String> differing = new ArrayList<>();
            Map<String, String> a = before == null ? Map.of() : KeyPaths.flatten(before.getAsJsonObject());
            Map<String, String> b =
                    after == null || !after.isJsonObject() ? Map.of() : KeyPaths.flatten(after.getAsJsonObject());
            for (KeyPaths.Difference d : KeyPaths.differences(a, b)) {
                differing.add(d.path());
            }
            lines.add(WEIGHTS + ": differs for " + String.join(", ", differing));
        }
        return new Verdict(identical, lines);
    }

    private static String compareFiles(Path a, Path b) {
        if (!Files.isRegularFile(b)) {
            return "missing in the reproduction";
        }
        try {
            byte[] x = Files.readAllBytes(a);
            byte[] y = Files.readAllBytes(b);
            if (Arrays.equals(x, y)) {
                return "identical";
            }
            List<String> la = Files.readAllLines(a);
            List<String> lb = Files.readAllLines(b);
            for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
                String p = i < la.size() ? la.get(i) : KeyPaths.ABSENT;
                String q = i < lb.size() ? lb.get(i) : KeyPaths.ABSENT;
                if (!p.equals(q)) {
                    return "differs from line " + (i + 1) + ": recorded '" + p + "', now '" + q + "'";
                }
            }
            return "differs (line ends or bytes)";
        } catch (IOException e) {
            throw new UserException("cannot compare " + a + " and " + b + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> section(JsonObject manifest, String name) {
        JsonElement s = manifest.get(name);
        return s == null || !s.isJsonObject() ? Map.of() : KeyPaths.flatten(s.getAsJsonObject());
    }

    private static void compareSection(
            List<String> lines, String name, Map<String, String> recorded, Map<String, String> now) {
        TreeMap<String, String> keys = new TreeMap<>(recorded);
        now.forEach(keys::putIfAbsent);
        for (String key : keys.keySet()) {
            String was = recorded.getOrDefault(key, KeyPaths.ABSENT);
            String is = now.getOrDefault(key, KeyPaths.ABSENT);
            if (!was.equals(is)) {
                lines.add(name + "." + key + ": recorded " + show(was) + ", now " + show(is));
            }
        }
    }

    private static String show(String value) {
        return value.isEmpty() ? "(empty)" : value;
    }
}
