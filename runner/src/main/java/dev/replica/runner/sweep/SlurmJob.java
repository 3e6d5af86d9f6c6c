package dev.replica.runner.sweep;

import dev.replica.api.UserException;
import dev.replica.api.params.Params;
import dev.replica.api.params.Values;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A sweep as one Slurm job array: {@code sweep.sbatch} holds the resources and, per array index, the
 * task's run folder; each array task runs {@link TaskCommand} and records its exit status. Submitting
 * goes through {@code sbatch --parsable}, and every submission is appended to {@code jobs.tsv}.
 */
public final class SlurmJob {

    /** The script's file in a sweep folder. */
    public static final String SCRIPT = "sweep.sbatch";

    private SlurmJob() {}

    /**
     * Writes the job array script for some of the sweep's tasks.
     *
     * @param sweep the sweep
     * @param tasks the tasks to run, by index
     * @param cluster partition, time, cpus, memory and gpus
     * @param plugins the plugins folder, or {@code null}
     * @return the script
     * @throws IOException when writing fails
     */
    public static Path write(Sweep sweep, List<Sweep.Task> tasks, Params cluster, Path plugins) throws IOException {
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        s.append("# Written by replica sweep: one array task per run of ")
                .append(sweep.name())
                .append(".\n");
        s.append(directive("job-name", "replica-" + sweep.name()));
        s.append("#SBATCH --array=")
                .append(tasks.stream().map(t -> Integer.toString(t.index())).collect(Collectors.joining(",")))
                .append('\n');
        s.append(directive("output", sweep.dir().toAbsolutePath().resolve("logs") + "/%a.out"));
        s.append(directive("chdir", Path.of("").toAbsolutePath().toString()));
        s.append(directive("cpus-per-task", Integer.toString(cluster.getInt("cpus"))));
        for (String[] option : new String[][] {{"partition", "partition"}, {"time", "time"}, {"mem", "memory"}}) {
            if (!cluster.getString(option[1]).isEmpty()) {
                s.append(directive(option[0], cluster.getString(option[1])));
            }
        }
        if (cluster.getInt("gpus") > 0) {
            s.append(directive("gres", "gpu:" + cluster.getInt("gpus")));
        }
        // Slurm signals the batch shell (B:) two minutes before a time limit; the shell passes SIGTERM on, and
        // the run stops at its next step with a checkpoint, which --resubmit-failed continues.
        s.append("#SBATCH --signal=B:TERM@120\n");
        s.append("set -u\n");
        s.append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
        for (Sweep.Task t : sweep.tasks()) {
            s.append("  ")
                    .append(t.index())
                    .append(") run=")
                    .append(TaskCommand.quote(
                            sweep.runFolder(t).toAbsolutePath().normalize().toString()))
                    .append(" ;;\n");
        }
        s.append("  *) echo \"no task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n");
        List<String> command = TaskCommand.of(Path.of("RUN_FOLDER"), plugins);
        s.append(command.subList(0, command.size() - 1).stream()
                        .map(TaskCommand::quote)
                        .collect(Collectors.joining(" ")))
                .append(" \"$run\" &\n");
        s.append("pid=$!\n");
        s.append("trap 'kill -TERM \"$pid\" 2>/dev/null' TERM\n");
        s.append("wait \"$pid\"\n");
        s.append("status=$?\n");
        s.append("if kill -0 \"$pid\" 2>/dev/null; then wait \"$pid\"; status=$?; fi\n");
        s.append("echo \"$status\" > ")
                .append(TaskCommand.quote(
                        sweep.dir().toAbsolutePath().resolve("exit").toString()))
                .append("/\"$SLURM_ARRAY_TASK_ID\"\n");
        s.append("exit \"$status\"\n");
        // Folders only once every value is known to be plain: a refusal leaves the sweep folder as it was.
        SafeFiles.folderIn(sweep.dir(), "logs");
        SafeFiles.folderIn(sweep.dir(), "exit");
        Path script = sweep.dir().resolve(SCRIPT);
        SafeFiles.writeAtomically(script, s.toString());
        script.toFile().setExecutable(true);
        return script;
    }

    /** What an #SBATCH value may hold: Slurm reads the line unquoted, so anything else could add options. */
    private static final Pattern DIRECTIVE_VALUE = Pattern.compile("[A-Za-z0-9_./%:,+=@-]+");

    /**
     * One {@code #SBATCH --option=value} line, the value refused unless every character is plain: a
     * newline would start a shell line, a space a second option.
     *
     * @param option the option, without dashes
     * @param value the value
     * @return the line
     * @throws UserException when the value has other characters, naming it
     */
    public static String directive(String option, String value) {
        if (!DIRECTIVE_VALUE.matcher(value).matches()) {
            throw new UserException(
                    "the job script's --" + option + " would be " + Values.render(SafeFiles.printable(value))
                            + ", which Slurm cannot read unquoted; allowed: letters, digits and _ . / % : , + = @ -"
                            + " (move the sweep folder, or the working folder, to a path without spaces or other "
                            + "characters)");
        }
        return "#SBATCH --" + option + "=" + value + "\n";
    }

    /**
     * Submits the script with {@code sbatch --parsable} and records the job id.
     *
     * @param sweep the sweep
     * @param script the script
     * @param env the environment sbatch runs with and exports to the tasks
     * @return the job id
     * @throws UserException when sbatch is missing or refuses the job
     */
    public static String submit(Sweep sweep, Path script, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(
                "sbatch", "--parsable", script.toAbsolutePath().toString());
        pb.environment().putAll(TaskCommand.absolute(env));
        pb.redirectErrorStream(true);
        String output;
        int status;
        try {
            Process p = pb.start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            status = p.waitFor();
        } catch (IOException e) {
            throw new UserException(
                    "cannot run sbatch (" + e.getMessage() + "): is Slurm installed here? The job " + "script is "
                            + script + "; submit it by hand with sbatch, or run with --local N",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while submitting " + script, e);
        }
        if (status != 0) {
            throw new UserException("sbatch refused " + script + ": " + output);
        }
        String id = output.contains(";") ? output.substring(0, output.indexOf(';')) : output;
        if (!id.matches("[0-9]+")) {
            throw new UserException("sbatch answered '" + output + "' for " + script + ", not a job id");
        }
        try {
            Files.writeString(
                    sweep.dir().resolve("jobs.tsv"),
                    id + "\t" + script.getFileName() + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UserException(
                    "cannot record job " + id + " in " + sweep.dir().resolve("jobs.tsv"), e);
        }
        return id;
    }

    /**
     * Returns the job ids submitted for a sweep, oldest first.
     *
     * @param sweep the sweep
     * @return the ids
     */
    public static List<String> jobs(Sweep sweep) {
        Path file = sweep.dir().resolve("jobs.tsv");
        List<String> ids = new ArrayList<>();
        try {
            if (Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        ids.add(line.split("\t")[0]);
                    }
                }
            }
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return ids;
    }
}
