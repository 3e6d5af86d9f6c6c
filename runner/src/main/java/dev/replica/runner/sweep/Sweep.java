package dev.replica.runner.sweep;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import dev.replica.api.UserException;
import dev.replica.api.params.Values;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.core.record.RunManifest;
import dev.replica.core.state.Checkpoint;
import dev.replica.core.state.SafeFiles;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.PluginUse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A study expanded into its runs: one run per model, engine and seed, each a normal run folder under
 * {@code <sweep>/runs/<model>-<engine>-seed<k>} with its own resolved experiment (that model alone, that
 * engine, that seed). Each run's seed streams come from its own seed, so a run's result does not depend on
 * where, when or in what order it ran. {@code sweep.json} lists the tasks in a fixed order: a task's
 * index is its job-array index.
 */
public final class Sweep {

    /** The plan's file in a sweep folder. */
    public static final String PLAN = "sweep.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * One run of the sweep.
     *
     * @param index its job-array index, from 0
     * @param model the model's label
     * @param engine the engine plugin
     * @param seed the run's seed
     * @param folder the run folder, relative to the sweep folder
     */
    public record Task(int index, String model, String engine, long seed, String folder) {}

    /** Where a task is. */
    public enum State {
        /** Not started. */
        PENDING,
        /** A process holds its run folder. */
        RUNNING,
        /** Stopped with a checkpoint (SIGTERM, preemption, a time limit): resubmitting resumes it. */
        STOPPED,
        /** Ended with a non-zero exit status. */
        FAILED,
        /** Finished: its summary is written. */
        FINISHED
    }

    private record Plan(
            String name,
            List<String> models,
            List<String> engines,
            List<Long> seeds,
            Map<String, Object> cluster,
            List<Task> tasks) {}

    private final Path dir;
    private final Plan plan;

    private Sweep(Path dir, Plan plan) {
        this.dir = dir;
        this.plan = plan;
    }

    /**
     * Expands a study into a new sweep folder under {@code out}, writing every run's folder and resolved
     * experiment.
     *
     * @param base the study, overrides applied
     * @param seeds the seeds, in order
     * @param engines the engine plugins, in order
     * @param cluster the file's cluster section, kept for resubmissions
     * @param out where sweep folders go
     * @return the sweep
     */
    public static Sweep plan(
            Experiment base, List<Long> seeds, List<String> engines, Map<String, Object> cluster, Path out) {
        Path dir;
        try {
            Path parent = Files.createDirectories(out.resolve(base.name()));
            String stamp = LocalDateTime.now().format(STAMP) + "-sweep";
            dir = parent.resolve(stamp);
            for (int i = 1; Files.exists(dir); i++) {
                dir = parent.resolve(stamp + "-" + i);
            }
            Files.createDirectories(dir.resolve("runs"));
        } catch (IOException e) {
            throw new UserException("cannot create a sweep folder under " + out + ": " + e.getMessage(), e);
        }
        List<Task> tasks = new ArrayList<>();
        for (String model : base.models().keySet()) {
            for (String engine : engines) {
                for (long seed : seeds) {
                    String name = model + "-" + engine + "-seed" + seed;
                    Task task = new Task(tasks.size(), model, engine, seed, "runs/" + name);
                    experiment(base, model, engine, seed).startFolderAt(dir.resolve(task.folder()));
                    tasks.add(task);
                }
            }
        }
        Plan plan = new Plan(
                base.name(), List.copyOf(base.models().keySet()), engines, seeds, new LinkedHashMap<>(cluster), tasks);
        try {
            SafeFiles.writeAtomically(dir.resolve(PLAN), GSON.toJson(plan) + "\n");
        } catch (IOException e) {
            throw new UserException("cannot write " + dir.resolve(PLAN) + ": " + e.getMessage(), e);
        }
        return new Sweep(dir, plan);
    }

    /** One task's experiment: the model alone, on the engine, with the seed; no tool's section, no report. */
    static Experiment experiment(Experiment base, String model, String engine, long seed) {
        Map<String, PluginUse> one = new LinkedHashMap<>();
        one.put(model, base.models().get(model));
        return new Experiment(
                base.format(),
                base.name(),
                List.of(seed),
                new PluginUse(engine, base.engine().params()),
                base.dataset(),
                one,
                base.optimizer(),
                base.schedule(),
                base.training());
    }

    /**
     * Opens a sweep folder.
     *
     * @param dir the folder {@code replica sweep} printed
     * @return the sweep
     * @throws UserException when it is not a sweep folder
     */
    public static Sweep open(Path dir) {
        Path file = dir.resolve(PLAN);
        if (!Files.isRegularFile(file)) {
            throw new UserException(dir + " is not a sweep folder: it has no " + PLAN);
        }
        // A sweep folder holds what Replica wrote: a link in it (jobs.tsv, logs/, exit/) would take writes out.
        SafeFiles.refuseLinksIn(dir, "sweep folder");
        Plan plan;
        try {
            plan = GSON.fromJson(SafeFiles.readText(file, "sweep plan"), new TypeToken<Plan>() {}.getType());
        } catch (UserException e) {
            throw e;
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new UserException(
                    file + " is not a sweep plan: it is not the JSON object replica sweep writes "
                            + "(name, models, engines, seeds, cluster, tasks); restore it or plan the sweep again",
                    e);
        }
        String problem = problem(plan);
        if (problem != null) {
            throw new UserException(
                    file + ": " + problem + "; replica sweep wrote it so, restore it or plan the " + "sweep again");
        }
        return new Sweep(dir, plan);
    }

    /**
     * What is wrong with a plan read back, or {@code null}: its names go into a job script and its folders
     * are written into, so each must be what {@link #plan} writes.
     */
    private static String problem(Plan plan) {
        if (plan == null
                || plan.name() == null
                || plan.models() == null
                || plan.engines() == null
                || plan.seeds() == null
                || plan.tasks() == null) {
            return "it needs name, models, engines, seeds and tasks";
        }
        if (!ExperimentLoader.isName(plan.name())) {
            return "name " + Values.render(SafeFiles.printable(plan.name()))
                    + " is not allowed; allowed: a string matching [a-z0-9][a-z0-9._-]*";
        }
        for (String label : plan.models()) {
            if (label == null || !ExperimentLoader.isLabel(label)) {
                return "model " + Values.render(label == null ? null : SafeFiles.printable(label))
                        + " is not allowed; allowed: a label matching [a-z0-9][a-z0-9_-]*";
            }
        }
        for (String engine : plan.engines()) {
            if (engine == null || !ExperimentLoader.isName(engine)) {
                return "engine " + Values.render(engine == null ? null : SafeFiles.printable(engine))
                        + " is not allowed; allowed: a plugin name matching [a-z0-9][a-z0-9._-]*";
            }
        }
        if (plan.tasks().isEmpty() || plan.seeds().contains(null)) {
            return "it has no tasks, or a seed is null";
        }
        for (int i = 0; i < plan.tasks().size(); i++) {
            Task t = plan.tasks().get(i);
            if (t == null
                    || t.index() != i
                    || !plan.models().contains(t.model())
                    || !plan.engines().contains(t.engine())
                    || !plan.seeds().contains(t.seed())
                    || !("runs/" + t.model() + "-" + t.engine() + "-seed" + t.seed()).equals(t.folder())) {
                return "task " + i + " is not one of the plan's runs; allowed: index " + i
                        + ", a model, engine and seed of the plan, folder runs/<model>-<engine>-seed<seed>";
            }
        }
        return null;
    }

    /**
     * Returns the sweep folder.
     *
     * @return the folder
     */
    public Path dir() {
        return dir;
    }

    /**
     * Returns the study's name.
     *
     * @return the experiment's name
     */
    public String name() {
        return plan.name();
    }

    /**
     * Returns the tasks, in job-array order.
     *
     * @return the tasks
     */
    public List<Task> tasks() {
        return plan.tasks();
    }

    /**
     * Returns the model labels, in the study's order.
     *
     * @return the labels
     */
    public List<String> models() {
        return plan.models();
    }

    /**
     * Returns the engines, in order.
     *
     * @return the engine plugins
     */
    public List<String> engines() {
        return plan.engines();
    }

    /**
     * Returns the cluster section the sweep was planned with.
     *
     * @return partition, time, cpus, memory and gpus
     */
    public Map<String, Object> cluster() {
        Map<String, Object> values = new LinkedHashMap<>();
        if (plan.cluster() != null) {
            // JSON has numbers only: the whole ones were integers.
            plan.cluster()
                    .forEach((k, v) ->
                            values.put(k, v instanceof Double d && d == Math.rint(d) ? (Object) d.intValue() : v));
        }
        return values;
    }

    /**
     * Returns the seeds, in order.
     *
     * @return the seeds
     */
    public List<Long> seeds() {
        return plan.seeds();
    }

    /**
     * Returns a task's run folder.
     *
     * @param task the task
     * @return the folder
     */
    public Path runFolder(Task task) {
        return dir.resolve(task.folder());
    }

    /**
     * Returns the file a task's exit status is written to when its process ends.
     *
     * @param task the task
     * @return {@code <sweep>/exit/<index>}
     */
    public Path exitFile(Task task) {
        return dir.resolve("exit").resolve(Integer.toString(task.index()));
    }

    /**
     * Returns the log of a task's process.
     *
     * @param task the task
     * @return {@code <sweep>/logs/<index>.out}
     */
    public Path log(Task task) {
        return dir.resolve("logs").resolve(task.index() + ".out");
    }

    /**
     * Returns the exit status a task's process ended with, when it has ended.
     *
     * @param task the task
     * @return the status, or empty while it has not run or runs
     */
    public Optional<Integer> exitStatus(Task task) {
        Path file = exitFile(task);
        try {
            return Files.isRegularFile(file)
                    ? Optional.of(Integer.parseInt(
                            Files.readString(file, StandardCharsets.UTF_8).strip()))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns where a task is, from its run folder and exit status.
     *
     * @param task the task
     * @return the state
     */
    public State state(Task task) {
        Path run = runFolder(task);
        if (RunLock.heldByWriter(run)) {
            return State.RUNNING;
        }
        if (finished(task)) {
            return State.FINISHED;
        }
        Optional<Integer> exit = exitStatus(task);
        if (exit.isPresent() && exit.get() != 0 && exit.get() != 130 && exit.get() != 143) {
            return State.FAILED;
        }
        for (String model : plan.models()) {
            if (new Checkpoint(run.resolve(model).resolve(RunFolder.CHECKPOINT)).exists()) {
                return State.STOPPED;
            }
        }
        return exit.isPresent() ? State.FAILED : State.PENDING;
    }

    /**
     * Returns whether a task's run finished (its manifest records the final weights).
     *
     * @param task the task
     * @return true when finished
     */
    public boolean finished(Task task) {
        Path run = runFolder(task);
        if (!Files.isRegularFile(run.resolve(RunFolder.MANIFEST))) {
            return false;
        }
        RunManifest manifest = RunContents.read(run).record();
        return manifest.finished() && Files.isRegularFile(run.resolve(RunFolder.SUMMARY_CSV));
    }

    /**
     * Writes a task's exit status (the job script and the local runner both do).
     *
     * @param task the task
     * @param status the exit status
     * @throws IOException when writing fails
     */
    public void recordExit(Task task, int status) throws IOException {
        Files.createDirectories(exitFile(task).getParent());
        SafeFiles.writeAtomically(exitFile(task), status + "\n");
    }
}
