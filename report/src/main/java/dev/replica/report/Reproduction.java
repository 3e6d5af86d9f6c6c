package dev.replica.report;

import com.google.gson.JsonElement;
import dev.replica.api.UserException;
import dev.replica.api.engine.EngineFacts;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunManifest;
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
    public static final String WEIGHTS = RunManifest.WEIGHTS;

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
        if (!run.record().finished()) {
            throw new UserException(run.folder() + " has not finished: its " + RunFolder.MANIFEST + " has no " + WEIGHTS
                    + "; finish it with 'replica run --resume " + run.folder() + "' first");
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
            RunManifest recorded,
            Map<String, String> environment,
            Map<String, String> engine,
            Map<String, String> pluginVersions,
            String replicaVersion) {
        List<String> lines = new ArrayList<>();
        compareSection(lines, RunManifest.ENVIRONMENT, recorded.environment(), environment);
        compareSection(lines, RunManifest.ENGINE, recorded.engine(), engine);
        recorded.plugins().forEach((key, facts) -> {
            String was = facts.version() == null ? KeyPaths.ABSENT : facts.version();
            String now = pluginVersions.getOrDefault(key, "(not installed)");
            if (!was.equals(now)) {
                lines.add("plugins." + key + ".version: recorded " + was + ", now " + now);
            }
        });
        String was = recorded.replica().version() == null
                ? KeyPaths.ABSENT
                : recorded.replica().version();
        if (!was.equals(replicaVersion)) {
            lines.add("replica.version: recorded " + was + ", now " + replicaVersion);
        }
        return lines;
    }

    /**
     * Compares a run with its reproduction: every history.csv byte for byte, and the final weights'
     * checksums.
     *
     * @param original the recorded run
     * @param reproduction the new run of the same experiment
     * @return the verdict and a line per file compared
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

    private static void compareSection(
            List<String> lines, String name, Map<String, String> recorded, Map<String, String> now) {
        TreeMap<String, String> keys = new TreeMap<>(recorded);
        now.forEach(keys::putIfAbsent);
        for (String key : keys.keySet()) {
            if (EngineFacts.isRunEvidence(key)) {
                continue; // the probe's evidence and the run's own first steps: results, not the machine
            }
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
