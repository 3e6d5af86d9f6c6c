package dev.replica.runner;

import java.io.IOException;
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

    /**
     * Writes CIFAR-10's six files in the official layout, 16 records each of seeded noise, so that a test
     * can use the cifar10 plugin and its recorded folder and md5s.
     *
     * @param folder the dataset's folder, created as needed
     * @return the folder, absolute
     */
    public static Path cifar10(Path folder) throws IOException {
        Files.createDirectories(folder);
        int record = 3073;
        for (int f = 1; f <= 6; f++) {
            byte[] bytes = new byte[16 * record];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i % record == 0 ? (i / record + f) % 10 : (i * 31 + f * 7) & 0xFF);
            }
            Files.write(folder.resolve(f == 6 ? "test_batch.bin" : "data_batch_" + f + ".bin"), bytes);
        }
        return folder.toAbsolutePath();
    }

    /**
     * An experiment on {@link #cifar10} files that never downloads: one tiny ResNet, one epoch.
     *
     * @param dir where the file goes
     * @return the file
     */
    public static Path cifar10Experiment(Path dir) throws IOException {
        Path file = dir.resolve("cifar.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: cifar",
                        "seed: 0",
                        // MXNet: on this noise PyTorch's native kernels gave a NaN gradient on a Zen 5.
                        // Relaxed: in the suite's shared JVM this run's first step once differed from its probe's
                        // processes (the self-check stopped it; an open question, see the closing note); these
                        // tests are about data and files, not bits.
                        "engine: {plugin: mxnet, threads: 2, device: cpu, determinism: relaxed}",
                        "dataset: {plugin: cifar10, params: {download: false}}",
                        "models:",
                        "  res: {plugin: resnet, params: {depth: 18, width: 2}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 1, batch_size: 16}",
                        ""),
                StandardCharsets.UTF_8);
        return file;
    }

    /**
     * The environment of a machine without the data: no REPLICA_DATA, and nothing where a run looks.
     *
     * @param elsewhere the XDG_DATA_HOME to use, empty
     * @return the variables
     */
    public static Map<String, String> withoutData(Path elsewhere) {
        Map<String, String> env = env("");
        env.remove("REPLICA_DATA");
        env.put("XDG_DATA_HOME", elsewhere.toString());
        return env;
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
     * The environment a test's in-process run or CLI call sees: a data root, and the build's determinism-verdict
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
}
