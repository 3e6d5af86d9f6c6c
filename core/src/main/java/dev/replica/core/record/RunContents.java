package dev.replica.core.record;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.replica.api.Batch;
import dev.replica.api.UserException;
import dev.replica.api.params.Values;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What a run folder holds, read without the plugins: the resolved experiment as plain YAML values, the
 * manifest, and each model's history per seed. Reports, {@code diff} and {@code reproduce} read run
 * folders through this.
 */
public final class RunContents {

    private final Path folder;
    private final Map<String, Object> experiment;
    private final JsonObject manifest;

    private RunContents(Path folder, Map<String, Object> experiment, JsonObject manifest) {
        this.folder = folder;
        this.experiment = experiment;
        this.manifest = manifest;
    }

    /**
     * Reads a run folder.
     *
     * @param folder the folder {@code replica run} printed
     * @return the contents
     * @throws UserException when the folder is not a run folder, naming what is missing
     */
    public static RunContents read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new UserException(folder + " is not a run folder: no such folder; give the folder that "
                    + "'replica run' printed as 'Run folder ...'");
        }
        Path yaml = folder.resolve(RunFolder.EXPERIMENT);
        Path json = folder.resolve(RunFolder.MANIFEST);
        for (Path p : List.of(yaml, json)) {
            if (!Files.isRegularFile(p)) {
                throw new UserException(folder + " is not a run folder: it has no " + p.getFileName()
                        + "; give the folder that 'replica run' printed as 'Run folder ...'");
            }
        }
        Map<String, Object> experiment;
        JsonObject manifest;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(50);
            options.setNestingDepthLimit(50);
            Object loaded = new Yaml(new SafeConstructor(options)).load(SafeFiles.readText(yaml, "experiment file"));
            if (!(loaded instanceof Map)) {
                throw new UserException(yaml + " is not an experiment file: it is not a mapping");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) loaded;
            experiment = map;
            JsonElement parsed = JsonParser.parseString(SafeFiles.readText(json, "manifest"));
            if (!parsed.isJsonObject()) {
                throw new UserException(json + " is not a manifest: it is not a JSON object");
            }
            manifest = parsed.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserException) {
                throw (UserException) e;
            }
            throw new UserException("cannot read run folder " + folder + ": " + e.getMessage(), e);
        }
        RunContents contents = new RunContents(folder, experiment, manifest);
        contents.labels(); // refused here, before any command locks the folder or writes into it
        if (experiment.get("name") != null
                && !RunFolder.NAME
                        .matcher(String.valueOf(experiment.get("name")))
                        .matches()) {
            throw new UserException(yaml + ": the name '" + SafeFiles.printable(String.valueOf(experiment.get("name")))
                    + "' is not allowed; allowed: a string matching [a-z0-9][a-z0-9._-]*, as replica run wrote it");
        }
        return contents;
    }

    /**
     * Returns the folder.
     *
     * @return the path
     */
    public Path folder() {
        return folder;
    }

    /**
     * Returns the resolved experiment as YAML values (maps in file order, lists, scalars).
     *
     * @return the experiment
     */
    public Map<String, Object> experiment() {
        return experiment;
    }

    /**
     * Returns the manifest as it is in the file, for tools that show every key (diff).
     *
     * @return the JSON object
     */
    public JsonObject manifest() {
        return manifest;
    }

    /**
     * Returns the manifest as typed records.
     *
     * @return the manifest
     */
    public RunManifest record() {
        return RunManifest.read(manifest);
    }

    /**
     * Returns the experiment's name.
     *
     * @return the name, or the folder's name when the file has none
     */
    public String name() {
        Object name = experiment.get("name");
        return name == null ? folder.getFileName().toString() : name.toString();
    }

    /**
     * Returns the model labels in the experiment's order.
     *
     * @return the labels
     */
    public List<String> labels() {
        Object models = experiment.get("models");
        List<String> labels = new ArrayList<>();
        if (models instanceof Map) {
            for (Object key : ((Map<?, ?>) models).keySet()) {
                String label = String.valueOf(key);
                // Labels become paths (<run>/<label>, plots/<label>-loss.png): an edited one must not leave.
                if (!RunFolder.LABEL.matcher(label).matches()) {
                    throw new UserException(folder.resolve(RunFolder.EXPERIMENT) + ": the model label '"
                            + SafeFiles.printable(label) + "' is not allowed; allowed: a label matching "
                            + "[a-z0-9][a-z0-9_-]*, as replica run wrote it");
                }
                labels.add(label);
            }
        }
        return labels;
    }

    /**
     * Returns the steps of one training epoch, from the recorded training set and batch size.
     *
     * @return the steps, or empty when the run recorded no data yet
     */
    public OptionalInt stepsPerEpoch() {
        Object training = experiment.get("training");
        Object batch = training instanceof Map ? ((Map<?, ?>) training).get("batch_size") : null;
        var datasets = record().datasets();
        if (!(batch instanceof Integer) || (Integer) batch < 1 || datasets.isEmpty()) {
            return OptionalInt.empty();
        }
        Integer train = datasets.values().iterator().next().train();
        return train == null || train < 1
                ? OptionalInt.empty()
                : OptionalInt.of(Batch.perEpoch(train, (Integer) batch));
    }

    /**
     * Returns the seeds in the experiment's order.
     *
     * @return the seeds
     */
    public List<Long> seeds() {
        List<Long> seeds = new ArrayList<>();
        Object many = experiment.get("seeds");
        if (many instanceof List) {
            for (Object s : (List<?>) many) {
                if (!(s instanceof Number)) {
                    throw new UserException(folder.resolve(RunFolder.EXPERIMENT) + ": seeds holds "
                            + Values.render(s)
                            + "; allowed: whole numbers, as replica run wrote them");
                }
                seeds.add(((Number) s).longValue());
            }
        } else if (experiment.get("seed") instanceof Number) {
            seeds.add(((Number) experiment.get("seed")).longValue());
        }
        return seeds;
    }

    /**
     * Returns whether the run has several seeds (and so a folder per seed under each model).
     *
     * @return {@code true} for several seeds
     */
    public boolean severalSeeds() {
        return seeds().size() > 1;
    }

    /**
     * Returns a model's history file for a seed.
     *
     * @param label the model
     * @param seed the seed
     * @return {@code <label>/history.csv}, or {@code <label>/seed-<n>/history.csv} with several seeds
     */
    public Path historyFile(String label, long seed) {
        Path model = folder.resolve(label);
        return (severalSeeds() ? model.resolve(RunFolder.seedFolder(seed)) : model).resolve(RunFolder.HISTORY);
    }

    /**
     * Returns each model's history per seed, leaving out those not yet written.
     *
     * @return label to (seed to rows), both in the experiment's order
     */
    public Map<String, Map<Long, List<HistoryRow>>> histories() {
        Map<String, Map<Long, List<HistoryRow>>> out = new LinkedHashMap<>();
        for (String label : labels()) {
            Map<Long, List<HistoryRow>> bySeed = new LinkedHashMap<>();
            for (long seed : seeds()) {
                Path file = historyFile(label, seed);
                List<HistoryRow> rows = Files.isRegularFile(file) ? HistoryRow.read(file) : List.of();
                if (!rows.isEmpty()) {
                    bySeed.put(seed, rows); // a header alone is a history not yet written
                }
            }
            out.put(label, bySeed);
        }
        return out;
    }

    /**
     * Returns every {@code history.csv} of the run, relative to the folder, sorted.
     *
     * @return the relative paths
     */
    public List<Path> historyFiles() {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> p.getFileName().toString().equals(RunFolder.HISTORY))
                    .map(folder::relativize)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns every {@code divergence.csv} of the run (the cross-engine check's), relative, sorted.
     *
     * @return the relative paths
     */
    public List<Path> divergenceFiles() {
        return files("divergence.csv");
    }

    /**
     * Returns every file of the run with a given name, e.g. the check's {@code noise-floor.csv} of each
     * model, relative, sorted.
     *
     * @param name the file name
     * @return the relative paths
     */
    public List<Path> files(String name) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> p.getFileName().toString().equals(name))
                    .map(folder::relativize)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns a text file of the run folder, or {@code null} when it does not exist.
     *
     * @param name the path relative to the folder
     * @return the text
     */
    public String text(String name) {
        Path file = folder.resolve(name);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
