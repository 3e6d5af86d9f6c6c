package dev.replica.runner;

import dev.replica.runner.cli.ReplicaCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A tiny experiment on synthetic data with both model plugins, for tests that run whole experiments: the
 * real resnet and vgg layers at small widths (channel counts from 8 to 64, so oneDNN's padded and full
 * AVX-512 blocks both run) and the shipped default of 2 engine threads.
 */
public final class TinyExperiment {

    private TinyExperiment() {}

    public static Path write(Path dir, String engine, long seed, int epochs) throws IOException {
        String yaml = String.join(
                "\n",
                "replica: 1",
                "name: tiny",
                "seed: " + seed,
                "engine: {plugin: " + engine + ", threads: 2, device: cpu}",
                "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                "models:",
                "  res: {plugin: resnet, params: {depth: 18, width: 8, classes: 4}}",
                "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 8, classes: 4}}",
                "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                "schedule: {plugin: multistep, params: {milestones: [2], gamma: 0.1}}",
                "training: {epochs: " + epochs + ", batch_size: 16}",
                "");
        Path file = dir.resolve("tiny-" + engine + "-" + seed + ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    /** The run folder a {@code replica run} printed. */
    public static Path runFolder(Path workDir, String stdout) {
        for (String line : stdout.split("\n")) {
            for (String prefix : new String[] {"Run folder ", "Resuming "}) {
                if (line.startsWith(prefix)) {
                    return workDir.resolve(line.substring(prefix.length()).trim());
                }
            }
        }
        throw new AssertionError("no run folder in output:\n" + stdout);
    }

    /** Copies a run folder, e.g. to tamper with the copy. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * The environment a test's in-process CLI call sees: a data root, and the build's determinism-verdict
     * cache (surefire's XDG_CACHE_HOME) rather than the user's.
     *
     * @param dataRoot the value of REPLICA_DATA
     * @return the variables
     */
    public static Map<String, String> env(String dataRoot) {
        Map<String, String> env = new HashMap<>();
        env.put("REPLICA_DATA", dataRoot);
        String cache = System.getenv("XDG_CACHE_HOME");
        if (cache != null) {
            env.put("XDG_CACHE_HOME", cache);
        }
        return env;
    }

    /**
     * What one in-process command printed.
     *
     * @param exit the exit status
     * @param out standard output
     * @param err standard error
     */
    public record Cli(int exit, String out, String err) {}

    /**
     * Runs the command line in this process with {@link #env} over a data root.
     *
     * @param dataRoot the value of REPLICA_DATA
     * @param args the arguments
     * @return the exit status and what was printed
     */
    public static Cli replica(Path dataRoot, String... args) {
        return replica(env(dataRoot.toString()), args);
    }

    /**
     * Runs the command line in this process with a given environment.
     *
     * @param env the environment variables, e.g. {@link #env} with SLURM_CONF added
     * @param args the arguments
     * @return the exit status and what was printed
     */
    public static Cli replica(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ReplicaCli.execute(
                args,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
