package dev.replica.core.record;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A run folder's {@code manifest.json} as typed records: what was run, on what, with which versions, and
 * the final weights' checksums. The section and key names of the file are spelled here once; readers use
 * the fields, not string paths. Reading is lenient: a section a hand-edited or older manifest lacks is
 * empty, never an exception.
 *
 * @param replica Replica's version, the file format and the command that made the folder
 * @param experiment the experiment's name, the hash of its resolved file and its seeds
 * @param gitCommit the checkout's commit, {@code unknown} when there was none
 * @param environment Java, OS, processor and allocator facts, by key
 * @param plugins every plugin used, by {@code <kind>.<name>}
 * @param engine the engine's description (a run), by key; empty for a check
 * @param engines each side's engine description (a check), by side; empty for a run
 * @param datasets the data's facts by seed
 * @param weights the final weights' SHA-256 by model (and seed); empty until the run finished
 */
public record RunManifest(
        Replica replica,
        Experiment experiment,
        String gitCommit,
        SortedMap<String, String> environment,
        SortedMap<String, PluginFacts> plugins,
        SortedMap<String, String> engine,
        SortedMap<String, SortedMap<String, String>> engines,
        SortedMap<String, DatasetFacts> datasets,
        SortedMap<String, String> weights) {

    /** The section names of the file. */
    public static final String REPLICA = "replica";

    public static final String EXPERIMENT = "experiment";
    public static final String GIT = "git";
    public static final String ENVIRONMENT = "environment";
    public static final String PLUGINS = "plugins";
    public static final String ENGINE = "engine";
    public static final String ENGINES = "engines";
    public static final String DATASET = "dataset";
    public static final String WEIGHTS = "weights.sha256";

    /**
     * Replica's section.
     *
     * @param version Replica's version
     * @param format the experiment file's format version
     * @param command the command that made the folder ({@code run}, {@code check}); empty in older files
     */
    public record Replica(String version, String format, String command) {}

    /**
     * The experiment's section.
     *
     * @param name its name
     * @param sha256 the SHA-256 of its resolved file
     * @param seeds its seeds
     */
    public record Experiment(String name, String sha256, List<Long> seeds) {}

    /**
     * One plugin.
     *
     * @param version its version
     * @param className its class
     * @param source the jar or folder it was loaded from
     */
    public record PluginFacts(String version, String className, String source) {}

    /**
     * What the data was.
     *
     * @param classes the number of classes
     * @param exampleShape the shape of one example
     * @param train the training examples
     * @param validation the validation examples
     * @param validationSource where validation comes from ({@code test}, {@code holdout})
     * @param test the test examples
     * @param provenance the files and their hashes, by key
     */
    public record DatasetFacts(
            String classes,
            String exampleShape,
            String train,
            String validation,
            String validationSource,
            String test,
            SortedMap<String, String> provenance) {}

    /**
     * Whether the run finished: its final weights' checksums are recorded.
     *
     * @return true when finished
     */
    public boolean finished() {
        return !weights.isEmpty();
    }

    /**
     * Reads a manifest.
     *
     * @param json the file's JSON
     * @return the manifest; missing sections are empty
     */
    public static RunManifest read(JsonObject json) {
        Map<String, String> replica = strings(json.get(REPLICA));
        Map<String, String> experiment = strings(json.get(EXPERIMENT));
        List<Long> seeds = new ArrayList<>();
        JsonObject e = object(json.get(EXPERIMENT));
        if (e != null && e.get("seeds") != null && e.get("seeds").isJsonArray()) {
            e.get("seeds").getAsJsonArray().forEach(s -> addIfWhole(seeds, s));
        } else if (e != null) {
            addIfWhole(seeds, e.get("seed"));
        }
        SortedMap<String, PluginFacts> plugins = new TreeMap<>();
        JsonObject p = object(json.get(PLUGINS));
        if (p != null) {
            for (Map.Entry<String, JsonElement> entry : p.entrySet()) {
                Map<String, String> f = strings(entry.getValue());
                plugins.put(entry.getKey(), new PluginFacts(f.get("version"), f.get("class"), f.get("source")));
            }
        }
        SortedMap<String, SortedMap<String, String>> engines = new TreeMap<>();
        JsonObject sides = object(json.get(ENGINES));
        if (sides != null) {
            sides.entrySet().forEach(s -> engines.put(s.getKey(), strings(s.getValue())));
        }
        return new RunManifest(
                new Replica(replica.get("version"), replica.get("format"), replica.getOrDefault("command", "")),
                new Experiment(experiment.get("name"), experiment.get("sha256"), List.copyOf(seeds)),
                strings(json.get(GIT)).getOrDefault("commit", "unknown"),
                strings(json.get(ENVIRONMENT)),
                Collections.unmodifiableSortedMap(plugins),
                strings(json.get(ENGINE)),
                Collections.unmodifiableSortedMap(engines),
                datasets(json.get(DATASET), seeds),
                strings(json.get(WEIGHTS)));
    }

    /** One seed's facts are the section itself; several seeds' are keyed by seed. */
    private static SortedMap<String, DatasetFacts> datasets(JsonElement section, List<Long> seeds) {
        SortedMap<String, DatasetFacts> out = new TreeMap<>();
        JsonObject d = object(section);
        if (d == null) {
            return out;
        }
        if (d.has("provenance")) {
            out.put(seeds.isEmpty() ? "0" : seeds.get(0).toString(), dataset(d));
        } else {
            d.entrySet().forEach(e -> {
                if (object(e.getValue()) != null) {
                    out.put(e.getKey(), dataset(object(e.getValue())));
                }
            });
        }
        return out;
    }

    private static DatasetFacts dataset(JsonObject d) {
        Map<String, String> f = strings(d);
        return new DatasetFacts(
                f.get("classes"),
                f.get("example_shape"),
                f.get("train"),
                f.get("validation"),
                f.get("validation_source"),
                f.get("test"),
                strings(d.get("provenance")));
    }

    /** A hand-edited seed that is not a whole number is left out, never an exception. */
    private static void addIfWhole(List<Long> seeds, JsonElement e) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) < 0x1p62) {
                seeds.add(e.getAsLong());
            }
        }
    }

    private static JsonObject object(JsonElement e) {
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    /** The primitive values of an object as text, sorted by key; empty when it is not an object. */
    private static SortedMap<String, String> strings(JsonElement e) {
        SortedMap<String, String> out = new TreeMap<>();
        JsonObject o = object(e);
        if (o != null) {
            for (Map.Entry<String, JsonElement> entry : o.entrySet()) {
                if (entry.getValue().isJsonPrimitive()) {
                    out.put(entry.getKey(), entry.getValue().getAsString());
                }
            }
        }
        return Collections.unmodifiableSortedMap(out);
    }
}
