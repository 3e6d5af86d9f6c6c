package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code replica} command line in a new JVM with nothing set but DJL's offline switch: the
 * engine must set its own threads and native settings, as it does for a library user. Determinism is
 * proved across fresh JVMs because gradient mode, thread pools, native settings and system properties
 * are process-wide and a reused JVM could hide a leak of state between runs.
 */
public final class FreshJvm {

    /**
     * What a finished JVM printed.
     *
     * @param exit the exit status
     * @param out standard output
     * @param err standard error
     */
    public record Result(int exit, String out, String err) {}

    private FreshJvm() {}

    static ProcessBuilder builder(Path workDir, Path log, String... args) {
        return builder(workDir, log, List.of(), "dev.replica.cli.ReplicaCli", args);
    }

    /**
     * A JVM that runs another entry point, e.g. a test's wrapper of the CLI.
     *
     * @param workDir the working directory
     * @param log where standard output goes (standard error beside it, with {@code .err})
     * @param jvmArgs extra JVM arguments, e.g. system properties
     * @param mainClass the class to run
     * @param args its arguments
     * @return the process builder
     */
    static ProcessBuilder builder(Path workDir, Path log, List<String> jvmArgs, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        // The tests' fault seams (replica.test.fault) hold in the fresh JVM too; the shared JVMs' pin of
        // auto does not: a fresh JVM decides for itself, as a user's does.
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("replica.test."))
                .sorted()
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.redirectOutput(log.toFile());
        pb.redirectError(log.resolveSibling(log.getFileName() + ".err").toFile());
        return pb;
    }

    /**
     * Runs to completion (at most five minutes).
     *
     * @param workDir the working directory
     * @param args the command line
     * @return what it printed
     */
    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return run(workDir, List.of(), args);
    }

    /**
     * Runs to completion (at most five minutes) with extra JVM arguments, e.g. a system property.
     *
     * @param workDir the working directory
     * @param jvmArgs the JVM's arguments
     * @param args the command line
     * @return what it printed
     */
    public static Result run(Path workDir, List<String> jvmArgs, String... args)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "jvm", ".out");
        Process p = builder(workDir, log, jvmArgs, "dev.replica.cli.ReplicaCli", args)
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("replica " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new Result(
                p.exitValue(),
                Files.readString(log, StandardCharsets.UTF_8),
                Files.readString(log.resolveSibling(log.getFileName() + ".err"), StandardCharsets.UTF_8));
    }

    /**
     * Starts a run of a file into {@code killed/} that SIGKILLs itself after its first model's first epoch's
     * checkpoint, as a crash would, and checks that it died so.
     *
     * @param workDir the working directory
     * @param file the experiment file
     * @param jvmArgs the JVM's further arguments, e.g. a system property
     * @return the run folder it left
     */
    static Path killedAfterFirstEpoch(Path workDir, Path file, List<String> jvmArgs) throws Exception {
        Path log = workDir.resolve("killed.out");
        List<String> args = new ArrayList<>(List.of("-Dreplica.test.signal=res:1:0:KILL"));
        args.addAll(jvmArgs);
        Process p = builder(
                        workDir,
                        log,
                        args,
                        "dev.replica.cli.SignalsForTests",
                        "run",
                        file.toString(),
                        "--out",
                        "killed")
                .start();
        assertThat(p.waitFor(3, TimeUnit.MINUTES))
                .as("the run was not killed within 3 minutes")
                .isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(128 + 9); // SIGKILL
        assertThat(Files.readString(log)).contains("SIGNAL KILL at res epoch 1 step 0");
        return TinyExperiment.runFolder(workDir, Files.readString(log, StandardCharsets.UTF_8));
    }

    /**
     * Runs {@link TinyExperiment}'s PyTorch experiment (seed 0, 2 epochs) to the end in a fresh JVM, into
     * {@code runs/} of the working directory: a finished run to reproduce.
     *
     * @param workDir the working directory
     * @return the run folder
     */
    public static Path finishedTinyRun(Path workDir) throws IOException, InterruptedException {
        Path file = TinyExperiment.write(workDir, "pytorch", 0, 2);
        Result first = run(workDir, "run", file.toString(), "--out", "runs");
        if (first.exit() != 0) {
            throw new AssertionError("the tiny run failed (exit " + first.exit() + "):\n" + first.out() + first.err());
        }
        return TinyExperiment.runFolder(workDir, first.out());
    }
}
