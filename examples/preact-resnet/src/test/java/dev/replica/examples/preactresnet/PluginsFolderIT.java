package dev.replica.examples.preactresnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proof that adding an architecture is a plugin: this project's built jar, alone in a plugins
 * folder, trains one epoch through the real command line ({@code ReplicaCli}) in a fresh JVM, on both
 * engines, while that JVM's class path holds Replica and its dependencies but not this project's classes.
 * The plugin class must come from the jar in the folder by two independent records: the JVM's class
 * loading log ({@code -Xlog:class+load}) and the {@code plugins} section of the run's manifest. Without the
 * folder, the same runner must not know the model.
 */
class PluginsFolderIT {

    private static final String PLUGIN_CLASS = PreActResNetPlugin.class.getName();
    private static final String PLUGIN_CLASS_FILE = PLUGIN_CLASS.replace('.', '/') + ".class";
    private static final String SERVICES_FILE = "META-INF/services/dev.replica.api.ModelPlugin";
    private static final String TABLE_HEADER = "| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) |";

    private static Path pluginJar;
    private static List<String> runnerClassPath;

    @TempDir
    Path work;

    @BeforeAll
    static void findTheJarAndTheRunnerClassPath() {
        pluginJar = Path.of(property("preact.jar"));
        assertThat(pluginJar)
                .as("the example's jar; run with 'mvn verify', which packages it first")
                .isRegularFile();
        // This JVM's class path (failsafe sets java.class.path to the full test class path) without the
        // project's own classes and jar: what remains is the runner with its dependencies, and the testkit.
        Set<Path> own = Set.of(
                normal(pluginJar.toString()),
                normal(property("preact.outputDirectory")),
                normal(property("preact.testOutputDirectory")));
        runnerClassPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty() && !own.contains(normal(entry))) {
                runnerClassPath.add(entry);
            }
        }
    }

    @Test
    void theFreshJvmsClassPathHoldsTheRunnerButNotThePlugin() throws IOException {
        assertThat(holds(pluginJar.toString(), PLUGIN_CLASS_FILE))
                .as("the plugin class in " + pluginJar)
                .isTrue();
        assertThat(Files.readString(Path.of(property("preact.outputDirectory")).resolve(SERVICES_FILE)))
                .contains(PLUGIN_CLASS);
        assertThat(runnerClassPath).anyMatch(e -> holds(e, "dev/replica/cli/ReplicaCli.class"));
        assertThat(runnerClassPath)
                .as("the runner's own dependencies on the test class path (Maven leaves them out when the installed "
                        + "replica-cli, replica-runner or replica-parent POM is stale: install them)")
                .anyMatch(e -> holds(e, "picocli/CommandLine.class"));
        assertThat(runnerClassPath).noneMatch(e -> holds(e, PLUGIN_CLASS_FILE));
    }

    @Test
    void withoutThePluginsFolderTheRunnerDoesNotKnowTheModel() throws Exception {
        Path file = experiment("pytorch");
        Result r = replica(null, "validate", file.toString());
        assertThat(r.exit()).as(r.describe()).isEqualTo(2);
        assertThat(r.err())
                .as(r.describe())
                .contains(
                        "models.preact.plugin (7:20): unknown model plugin 'preact-resnet'; available: [cifar-resnet, resnet, vgg]");
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void oneEpochRunsFromThePluginsFolder(String engine) throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path jar = Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
        Path classLog = work.resolve("classes.log");

        Result r = replica(
                classLog,
                "--plugins",
                plugins.toString(),
                "run",
                experiment(engine).toString(),
                "--out",
                work.resolve("runs").toString());

        assertThat(r.exit()).as(r.describe()).isZero();
        // The runner's one line on what it discovered (a log line: standard error or output).
        assertThat(r.err() + r.out()).as(r.describe()).contains("model [cifar-resnet, preact-resnet, resnet, vgg]");
        assertThat(r.out())
                .as(r.describe())
                .contains(TABLE_HEADER)
                // width 4, 4 classes: 44,312 parameters (PreActResNetPluginTest counts them by hand).
                .containsPattern(
                        "\\n\\| preact \\| \\d+\\.\\d{4} \\| \\d+\\.\\d{2} \\| 0\\.04 \\| \\d+\\.\\d{2} \\|\\n");

        // The JVM's own record of where the class came from: the jar in the plugins folder.
        List<String> loaded = Files.readAllLines(classLog).stream()
                .filter(line -> line.contains(" " + PLUGIN_CLASS + " source: "))
                .toList();
        System.out.printf("[PluginsFolderIT] %s: %s%n", engine, loaded);
        assertThat(loaded)
                .as("where the class loading log %s says the plugin class came from", classLog)
                .singleElement()
                .asString()
                .endsWith(" source: file:" + jar.toAbsolutePath());

        // The runner's own record: the manifest names the jar in the plugins folder as the class's source,
        // and the version is that jar's Implementation-Version.
        Path runFolder = runFolder(r.out());
        JsonObject recorded = JsonParser.parseString(Files.readString(runFolder.resolve("manifest.json")))
                .getAsJsonObject()
                .getAsJsonObject("plugins");
        JsonObject model = recorded.getAsJsonObject("model.preact-resnet");
        assertThat(model).as("manifest plugins section %s", recorded).isNotNull();
        assertThat(model.get("source").getAsString()).isEqualTo("file:" + jar.toAbsolutePath());
        assertThat(model.get("class").getAsString()).isEqualTo(PLUGIN_CLASS);
        assertThat(model.get("version").getAsString()).isEqualTo(property("preact.version"));
        // ...while the built-in plugins come from the class path.
        assertThat(recorded.getAsJsonObject("engine." + engine).get("source").getAsString())
                .as("source of the %s engine plugin", engine)
                .isNotEmpty()
                .doesNotContain(work.toString());
        assertThat(Files.readAllLines(runFolder.resolve("preact").resolve("history.csv")))
                .hasSize(2);
    }

    private Path experiment(String engine) throws IOException {
        String yaml = String.join(
                "\n",
                "replica: 1",
                "name: preact-plugin-" + engine,
                "seed: 0",
                "engine: {plugin: " + engine + ", threads: 2, device: cpu}",
                "dataset: {plugin: synthetic, params: {train_size: 32, test_size: 16, classes: 4}}",
                "models:",
                "  preact: {plugin: preact-resnet, params: {depth: 18, width: 4, classes: 4}}",
                "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                "schedule: {plugin: constant}",
                "training: {epochs: 1, batch_size: 16}",
                "");
        return Files.writeString(work.resolve("preact-" + engine + ".yaml"), yaml, StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code ReplicaCli} in a new JVM over the runner's class path, as the launcher does: DJL
     * offline; the engine sets its own threads. With {@code classLog}, the JVM writes where every class came from.
     */
    private Result replica(Path classLog, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        if (classLog != null) {
            command.add("-Xlog:class+load=info:file=" + classLog);
        }
        command.add("-cp");
        command.add(String.join(File.pathSeparator, runnerClassPath));
        command.add("dev.replica.cli.ReplicaCli");
        command.addAll(List.of(args));
        Path out = Files.createTempFile(work, "replica", ".out");
        Path err = Files.createTempFile(work, "replica", ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("REPLICA_PLUGINS");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("replica " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err), String.join(" ", args));
    }

    private Path runFolder(String stdout) {
        for (String line : stdout.split("\n")) {
            if (line.startsWith("Run folder ")) {
                return work.resolve(line.substring("Run folder ".length()).trim());
            }
        }
        throw new AssertionError("no run folder in the output:\n" + stdout);
    }

    /** Whether a class path entry (a jar or a folder) holds a resource. */
    private static boolean holds(String entry, String resource) {
        Path path = Path.of(entry);
        if (Files.isDirectory(path)) {
            return Files.exists(path.resolve(resource));
        }
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            return jar.getEntry(resource) != null;
        } catch (IOException e) {
            throw new AssertionError("cannot read class path entry " + entry, e);
        }
    }

    private static Path normal(String path) {
        return Path.of(path).toAbsolutePath().normalize();
    }

    private static String property(String key) {
        String value = System.getProperty(key);
        assertThat(value)
                .as("system property %s (set by the failsafe configuration in pom.xml)", key)
                .isNotBlank();
        return value;
    }

    /** What a finished JVM printed. */
    private record Result(int exit, String out, String err, String command) {
        String describe() {
            return "replica " + command + " exited with " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }
}
