package dev.replica.core.record;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A run folder's {@code manifest.json} as typed records: what was run, on what, with which versions, and
 * the final weights' checksums. Commands build it with {@link #start} and the {@code with...} methods and
 * {@link #write} it; readers use the fields, not string paths. The file's section and key names are spelled
 * here once. Reading is lenient: a section a hand-edited or older manifest lacks is empty, never an
 * exception.
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
 * @param check a check's findings by model label; empty for a run
 * @param initialWeights the SHA-256 and path of each model's initial weights file, by model label; empty
 *     when every model starts from its seeded initialisation
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
        SortedMap<String, String> weights,
        SortedMap<String, CheckedModel> check,
        SortedMap<String, String> initialWeights) {

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
    public static final String CHECK = "check";
    public static final String INITIAL_WEIGHTS = "initial_weights";
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /**
     * Replica's section.
     *
     * @param version Replica's version
     * @param format the experiment file's format version
     * @param command the command that made the folder ({@code run}, {@code check}); empty in older files
     */
    public record Replica(String version, Integer format, String command) {}

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
            Integer classes,
            String exampleShape,
            Integer train,
            Integer validation,
            String validationSource,
            Integer test,
            SortedMap<String, String> provenance) {}

    /**
     * What a check found for one model: the lockstep verdict, each side's weights before and after, the
     * rerun's, and the outcome comparison where the check had one.
     *
     * @param verdict the lockstep verdict, e.g. {@code identical}
     * @param initialSha256 each side's initial weights' SHA-256, by engine
     * @param finalSha256 each side's final weights' SHA-256, by engine
     * @param rerunFinalSha256 the first side's rerun's final SHA-256, or {@code null} without a rerun
     * @param outcomeVerdict the outcome comparison's verdict, or {@code null} without one
     * @param outcomeDetail the outcome comparison's line per metric; empty without one
     */
    public record CheckedModel(
            String verdict,
            SortedMap<String, String> initialSha256,
            SortedMap<String, String> finalSha256,
            String rerunFinalSha256,
            String outcomeVerdict,
            SortedMap<String, String> outcomeDetail) {

        /** The keys of a model's entry in the check section, in the order they are written. */
        static final String FINAL = "final.sha256";

        static final String INITIAL = "initial.sha256";
        static final String OUTCOME_DETAIL = "outcome.detail";
        static final String OUTCOME_VERDICT = "outcome.verdict";
        static final String RERUN_FINAL = "rerun.final.sha256";
        static final String VERDICT = "verdict";

        /** Copies the maps: a manifest's records do not change under it. */
        public CheckedModel {
            initialSha256 = Collections.unmodifiableSortedMap(new TreeMap<>(initialSha256));
            finalSha256 = Collections.unmodifiableSortedMap(new TreeMap<>(finalSha256));
            outcomeDetail = Collections.unmodifiableSortedMap(new TreeMap<>(outcomeDetail));
        }

        /**
         * Returns these findings with the outcome comparison's.
         *
         * @param outcome its verdict
         * @param detail its line per metric
         * @return the findings
         */
        public CheckedModel withOutcome(String outcome, Map<String, String> detail) {
            return new CheckedModel(
                    verdict, initialSha256, finalSha256, rerunFinalSha256, outcome, new TreeMap<>(detail));
        }

        JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.add(FINAL, GSON.toJsonTree(finalSha256));
            o.add(INITIAL, GSON.toJsonTree(initialSha256));
            if (outcomeVerdict != null) {
                o.add(OUTCOME_DETAIL, GSON.toJsonTree(outcomeDetail));
                o.addProperty(OUTCOME_VERDICT, outcomeVerdict);
            }
            if (rerunFinalSha256 != null) {
                o.addProperty(RERUN_FINAL, rerunFinalSha256);
            }
            o.addProperty(VERDICT, verdict);
            return o;
        }

        static CheckedModel read(JsonObject o) {
            Map<String, String> values = strings(o);
            return new CheckedModel(
                    values.get(VERDICT),
                    strings(o.get(INITIAL)),
                    strings(o.get(FINAL)),
                    values.get(RERUN_FINAL),
                    values.get(OUTCOME_VERDICT),
                    strings(o.get(OUTCOME_DETAIL)));
        }
    }

    /**
     * Whether the run finished: its final weights' checksums are recorded.
     *
     * @return true when finished
     */
    public boolean finished() {
        return !weights.isEmpty();
    }

    /**
     * Starts the manifest of a run folder: what every command records first.
     *
     * @param replica Replica's version, the file format and the command
     * @param experiment the experiment
     * @param gitCommit the checkout's commit
     * @param environment Java, OS, processor and allocator facts
     * @param plugins every plugin used
     * @return the manifest, with no engine, data or results yet
     */
    public static RunManifest start(
            Replica replica,
            Experiment experiment,
            String gitCommit,
            SortedMap<String, String> environment,
            SortedMap<String, PluginFacts> plugins) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>());
    }

    /**
     * Returns this manifest with a run's engine description.
     *
     * @param description the engine's facts by key
     * @return the manifest
     */
    public RunManifest withEngine(SortedMap<String, String> description) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                new TreeMap<>(description),
                engines,
                datasets,
                weights,
                check,
                initialWeights);
    }

    /**
     * Returns this manifest with each side's engine description (a check).
     *
     * @param descriptions the facts by side
     * @return the manifest
     */
    public RunManifest withEngines(SortedMap<String, SortedMap<String, String>> descriptions) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                engine,
                new TreeMap<>(descriptions),
                datasets,
                weights,
                check,
                initialWeights);
    }

    /**
     * Returns this manifest with the data's facts by seed.
     *
     * @param facts the facts by seed
     * @return the manifest
     */
    public RunManifest withDatasets(SortedMap<String, DatasetFacts> facts) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                engine,
                engines,
                new TreeMap<>(facts),
                weights,
                check,
                initialWeights);
    }

    /**
     * Returns this manifest with the final weights' checksums: the run finished.
     *
     * @param checksums the SHA-256 by model (and seed)
     * @return the manifest
     */
    public RunManifest withWeights(SortedMap<String, String> checksums) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                engine,
                engines,
                datasets,
                new TreeMap<>(checksums),
                check,
                initialWeights);
    }

    /**
     * Returns this manifest with the initial weights files the models start from.
     *
     * @param files {@code <sha256>  <path>} by model label
     * @return the manifest
     */
    public RunManifest withInitialWeights(SortedMap<String, String> files) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                engine,
                engines,
                datasets,
                weights,
                check,
                new TreeMap<>(files));
    }

    /**
     * Returns this manifest with a check's findings.
     *
     * @param results the findings by model label
     * @return the manifest
     */
    public RunManifest withCheck(SortedMap<String, CheckedModel> results) {
        return new RunManifest(
                replica,
                experiment,
                gitCommit,
                environment,
                plugins,
                engine,
                engines,
                datasets,
                weights,
                Collections.unmodifiableSortedMap(new TreeMap<>(results)),
                initialWeights);
    }

    /**
     * Writes the manifest as JSON, atomically: sections in a fixed order, keys sorted within them, one
     * seed's data as the section itself and several seeds' keyed by seed.
     *
     * @param file the file
     * @throws IOException when writing fails
     */
    public void write(Path file) throws IOException {
        SafeFiles.writeAtomically(file, GSON.toJson(toJson()) + "\n");
    }

    /**
     * Returns the manifest as the JSON that {@link #write} writes.
     *
     * @return the JSON object
     */
    public JsonObject toJson() {
        JsonObject json = new JsonObject();
        JsonObject r = new JsonObject();
        r.addProperty("command", replica.command());
        r.addProperty("format", replica.format());
        r.addProperty("version", replica.version());
        json.add(REPLICA, r);
        JsonObject e = new JsonObject();
        e.addProperty("name", experiment.name());
        JsonArray seeds = new JsonArray();
        experiment.seeds().forEach(seeds::add);
        e.add("seeds", seeds);
        e.addProperty("sha256", experiment.sha256());
        json.add(EXPERIMENT, e);
        JsonObject git = new JsonObject();
        git.addProperty("commit", gitCommit);
        json.add(GIT, git);
        json.add(ENVIRONMENT, GSON.toJsonTree(environment));
        JsonObject p = new JsonObject();
        plugins.forEach((name, f) -> {
            JsonObject facts = new JsonObject();
            facts.addProperty("version", f.version());
            facts.addProperty("class", f.className());
            facts.addProperty("source", f.source());
            p.add(name, facts);
        });
        json.add(PLUGINS, p);
        if (!engine.isEmpty()) {
            json.add(ENGINE, GSON.toJsonTree(engine));
        }
        if (!engines.isEmpty()) {
            json.add(ENGINES, GSON.toJsonTree(engines));
        }
        if (!datasets.isEmpty()) {
            if (experiment.seeds().size() <= 1 && datasets.size() == 1) {
                json.add(DATASET, dataset(datasets.values().iterator().next()));
            } else {
                JsonObject bySeed = new JsonObject();
                datasets.forEach((seed, facts) -> bySeed.add(seed, dataset(facts)));
                json.add(DATASET, bySeed);
            }
        }
        if (!initialWeights.isEmpty()) {
            json.add(INITIAL_WEIGHTS, GSON.toJsonTree(initialWeights));
        }
        if (!weights.isEmpty()) {
            json.add(WEIGHTS, GSON.toJsonTree(weights));
        }
        if (!check.isEmpty()) {
            JsonObject c = new JsonObject();
            check.forEach((label, found) -> c.add(label, found.toJson()));
            json.add(CHECK, c);
        }
        return json;
    }

    private static JsonObject dataset(DatasetFacts f) {
        JsonObject d = new JsonObject();
        d.addProperty("classes", f.classes());
        d.addProperty("example_shape", f.exampleShape());
        d.addProperty("train", f.train());
        d.addProperty("validation", f.validation());
        d.addProperty("validation_source", f.validationSource());
        d.addProperty("test", f.test());
        d.add("provenance", GSON.toJsonTree(f.provenance()));
        return d;
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
                new Replica(
                        replica.get("version"),
                        whole(json.get(REPLICA), "format"),
                        replica.getOrDefault("command", "")),
                new Experiment(experiment.get("name"), experiment.get("sha256"), List.copyOf(seeds)),
                strings(json.get(GIT)).getOrDefault("commit", "unknown"),
                strings(json.get(ENVIRONMENT)),
                Collections.unmodifiableSortedMap(plugins),
                strings(json.get(ENGINE)),
                Collections.unmodifiableSortedMap(engines),
                datasets(json.get(DATASET), seeds),
                strings(json.get(WEIGHTS)),
                checked(json.get(CHECK)),
                strings(json.get(INITIAL_WEIGHTS)));
    }

    private static SortedMap<String, CheckedModel> checked(JsonElement section) {
        SortedMap<String, CheckedModel> out = new TreeMap<>();
        JsonObject c = object(section);
        if (c != null) {
            c.entrySet().forEach(e -> {
                JsonObject found = object(e.getValue());
                if (found != null) {
                    out.put(e.getKey(), CheckedModel.read(found));
                }
            });
        }
        return Collections.unmodifiableSortedMap(out);
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
                whole(d, "classes"),
                f.get("example_shape"),
                whole(d, "train"),
                whole(d, "validation"),
                f.get("validation_source"),
                whole(d, "test"),
                strings(d.get("provenance")));
    }

    /** A field that holds a whole number, or {@code null} (absent, or hand-edited into something else). */
    private static Integer whole(JsonElement section, String key) {
        JsonObject o = object(section);
        JsonElement e = o == null ? null : o.get(key);
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        return null;
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
