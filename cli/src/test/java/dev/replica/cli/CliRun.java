package dev.replica.cli;

import dev.replica.runner.TinyExperiment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** The {@code replica} command line called in the test's own JVM, with what it printed captured. */
public final class CliRun {

    private CliRun() {}

    /**
     * What one in-process command printed.
     *
     * @param exit the exit status
     * @param out standard output
     * @param err standard error
     */
    public record Result(int exit, String out, String err) {}

    /**
     * Runs the command line in this process with {@link TinyExperiment#env} over a data root.
     *
     * @param dataRoot the value of REPLICA_DATA
     * @param args the arguments
     * @return the exit status and what was printed
     */
    public static Result replica(Path dataRoot, String... args) {
        return replica(TinyExperiment.env(dataRoot.toString()), args);
    }

    /**
     * Runs the command line in this process with a given environment.
     *
     * @param env the environment variables, e.g. {@link TinyExperiment#env} with SLURM_CONF added
     * @param args the arguments
     * @return the exit status and what was printed
     */
    public static Result replica(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ReplicaCli.execute(
                args,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
