package dev.replica.runner.config;

import dev.replica.core.record.RunFolder;
import dev.replica.core.training.Training;
import dev.replica.report.ReportSection;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated experiment file: every plugin resolved and its parameters typed, every default filled in.
 *
 * @param format the file's format version ({@code replica: 1})
 * @param name the experiment's name, used for the run folder
 * @param seeds the run seeds (one run of every model per seed), in file order
 * @param engine the engine and its settings
 * @param dataset the dataset
 * @param models the models by label, in file order
 * @param optimizer the update rule
 * @param schedule the learning-rate schedule
 * @param training epochs and batch sizes
 * @param sections the sections that tools above the runner own ({@code check:}), read by their owners
 * @param report what the report shows besides its table and plots, or {@code null} when the file has no
 *     {@code report} section
 */
public record Experiment(
        int format,
        String name,
        List<Long> seeds,
        PluginUse engine,
        PluginUse dataset,
        Map<String, PluginUse> models,
        PluginUse optimizer,
        PluginUse schedule,
        Training training,
        Sections sections,
        ReportSection report) {

    /** Copies the collections and checks that nothing is {@code null}. */
    public Experiment {
        Objects.requireNonNull(name, "name");
        seeds = List.copyOf(seeds);
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(dataset, "dataset");
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(sections, "sections");
    }

    /**
     * An experiment with no {@code report} section and no section of a tool.
     *
     * @param format the file's format version
     * @param name the experiment's name
     * @param seeds the run seeds
     * @param engine the engine
     * @param dataset the dataset
     * @param models the models by label
     * @param optimizer the update rule
     * @param schedule the learning-rate schedule
     * @param training epochs and batch sizes
     */
    public Experiment(
            int format,
            String name,
            List<Long> seeds,
            PluginUse engine,
            PluginUse dataset,
            Map<String, PluginUse> models,
            PluginUse optimizer,
            PluginUse schedule,
            Training training) {
        this(format, name, seeds, engine, dataset, models, optimizer, schedule, training, Sections.NONE, null);
    }

    /**
     * Returns a copy with one engine in place of this one's (for cross-engine checks).
     *
     * @param other the engine to use
     * @return the copy
     */
    public Experiment withEngine(PluginUse other) {
        return new Experiment(
                format, name, seeds, other, dataset, models, optimizer, schedule, training, sections, report);
    }

    /**
     * Returns a copy that trains another number of epochs (a schedule that follows the run's epochs
     * follows these).
     *
     * @param epochs the epochs
     * @return the copy
     */
    public Experiment withEpochs(int epochs) {
        return new Experiment(
                format,
                name,
                seeds,
                engine,
                dataset,
                models,
                optimizer,
                schedule,
                new Training(epochs, training.batchSize(), training.evalBatchSize()),
                sections,
                report);
    }

    /**
     * Returns a copy that trains other seeds.
     *
     * @param other the seeds
     * @return the copy
     */
    public Experiment withSeeds(List<Long> other) {
        return new Experiment(
                format, name, other, engine, dataset, models, optimizer, schedule, training, sections, report);
    }

    /**
     * Returns a copy with some of the models only, in this experiment's order, and no report section (which
     * may name the others).
     *
     * @param labels the labels to keep, each one of this experiment's
     * @return the copy
     * @throws IllegalArgumentException when a label is not a model of this experiment
     */
    public Experiment withModels(Collection<String> labels) {
        for (String label : labels) {
            if (!models.containsKey(label)) {
                throw new IllegalArgumentException("no model '" + label + "'; models: " + models.keySet());
            }
        }
        Map<String, PluginUse> kept = new LinkedHashMap<>();
        models.forEach((label, use) -> {
            if (labels.contains(label)) {
                kept.put(label, use);
            }
        });
        return new Experiment(
                format, name, seeds, engine, dataset, kept, optimizer, schedule, training, sections, null);
    }

    /**
     * Returns a section that a tool owns.
     *
     * @param owner the section
     * @param <T> its value's type
     * @return its value, or empty when the file has none
     */
    public <T> Optional<T> section(ExperimentSection<T> owner) {
        return sections.get(owner);
    }

    /**
     * Returns a copy with a tool's section set (or removed).
     *
     * @param owner the section
     * @param value its value, or {@code null} for none
     * @param <T> its value's type
     * @return the copy
     */
    public <T> Experiment withSection(ExperimentSection<T> owner, T value) {
        return new Experiment(
                format,
                name,
                seeds,
                engine,
                dataset,
                models,
                optimizer,
                schedule,
                training,
                sections.with(owner, value),
                report);
    }

    /**
     * Starts a new run folder for this experiment under {@code out}, its resolved file written in it: run,
     * check and reproduce all start their folders here.
     *
     * @param out the output root, e.g. {@code runs}
     * @return the folder
     */
    public RunFolder startFolder(Path out) {
        return RunFolder.start(out, name, ExperimentWriter.toYaml(this));
    }

    /**
     * Starts a run folder of a given path, as a sweep lays out its runs: the folder must not exist.
     *
     * @param folder the run folder to create
     * @return the folder
     */
    public RunFolder startFolderAt(Path folder) {
        return RunFolder.startAt(folder, ExperimentWriter.toYaml(this));
    }
}
