package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import dev.replica.runner.TinyExperiment;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run tools on a tiny run (synthetic data, tiny models), in process: the report that {@code run}
 * makes and {@code report} makes again, {@code list}, {@code describe}, {@code diff}, and several seeds
 * with {@code --seeds}. ({@code reproduce} compares runs across JVMs: ReproduceTest.)
 */
class RunToolsTest {

    @TempDir
    static Path dir;

    static Path file;
    static Path run;
    static String runOutput;

    /** What one command printed. */
    record Result(int exit, String out, String err) {}

    static Result replica(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ReplicaCli.execute(
                args,
                TinyExperiment.env(dir.resolve("data").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path tinyFile(Path where) throws Exception {
        Path f = where.resolve("tiny.yaml");
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "replica: 1",
                        "name: tiny",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 2, device: cpu}",
                        "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                        "models:",
                        "  res: {plugin: resnet, params: {depth: 18, width: 2, classes: 4}}",
                        "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 32, classes: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                        "schedule: {plugin: multistep, params: {milestones: [2], gamma: 0.1}}",
                        "training: {epochs: 3, batch_size: 16}",
                        ""),
                StandardCharsets.UTF_8);
        return f;
    }

    @BeforeAll
    static void aTinyRun() throws Exception {
        file = tinyFile(dir);
        Result r = replica("run", file.toString(), "--out", dir.resolve("runs").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        runOutput = r.out();
        run = TinyExperiment.runFolder(Path.of(""), r.out());
    }

    @Test
    void runEndsWithTheReportAndItsPlots() throws Exception {
        assertThat(runOutput)
                .contains("Report " + run.resolve("report.html") + " (and report.md, plots/)\n")
                .contains("res epoch 3/3", "vgg epoch 3/3");
        // Not a terminal: plain lines, with images per second (3 steps of 16 images per epoch).
        assertThat(runOutput)
                .containsPattern("(?m)^  res epoch 1/3 step 2/3  loss \\d\\.\\d{4}  acc \\d+\\.\\d{2}%  "
                        + "[\\d.]+ steps/s \\([\\d.]+ img/s\\)  epoch ETA \\d+s$");
        for (String plot : List.of(
                "validation-accuracy", "validation-loss", "res-loss", "res-accuracy", "vgg-loss", "vgg-accuracy")) {
            assertThat(run.resolve("plots").resolve(plot + ".png")).isRegularFile();
            assertThat(run.resolve("plots").resolve(plot + ".svg")).isRegularFile();
        }
        // One seed: the summary keeps the study's format.
        assertThat(Files.readString(run.resolve("summary.md")))
                .startsWith(
                        "| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) |\n|---|---:|---:|---:|---:|\n| res | ");
        String md = Files.readString(run.resolve("report.md"));
        assertThat(md)
                .startsWith("# tiny\n\nRun folder `" + run.getFileName() + "`.\n\n## Results\n\n"
                        + Files.readString(run.resolve("summary.md")));
        assertThat(md)
                .contains(
                        "### Validation, all models\n\n![validation-accuracy.png](plots/validation-accuracy.png)\n"
                                + "![validation-loss.png](plots/validation-loss.png)\n",
                        "### res\n\n![res-loss.png](plots/res-loss.png)\n![res-accuracy.png](plots/res-accuracy.png)\n",
                        "| Seeds | 0 |\n",
                        "| Threads | requested 2, observed 2 |",
                        "| Engine | pytorch: PyTorch ",
                        "| Determinism | pytorch at 2 threads",
                        "| Native settings | ATEN_CPU_CAPABILITY=unset, MKL_NUM_THREADS=2, OMP_NUM_THREADS=2, ONEDNN_CPU_ISA_HINTS=NO_HINTS, ",
                        "| Dataset | 48 train, 24 validation (test), 24 test, 4 classes; ");
        String html = Files.readString(run.resolve("report.html"));
        assertThat(count(html, "<img ")).isEqualTo(6);
        assertThat(count(html, "src=\"data:image/png;base64,")).isEqualTo(6);
        assertThat(count(html, "<tr data-model=")).isEqualTo(2);
        assertThat(html)
                .contains(
                        "<table id=\"results\">",
                        "<tr data-model=\"res\">",
                        "<tr data-model=\"vgg\">",
                        "<th>Git commit</th>")
                .doesNotContain("src=\"plots/", "<link", "<script");
    }

    @Test
    void reportMakesTheSameReportAgainFromTheFolder() throws Exception {
        String before = Files.readString(run.resolve("report.md"));
        Files.delete(run.resolve("report.md"));
        Files.delete(run.resolve("report.html"));
        Files.delete(run.resolve("plots").resolve("res-loss.png"));
        Result r = replica("report", run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .isEqualTo("Wrote " + run.resolve("report.md") + ", " + run.resolve("report.html") + " and 6 plots in "
                        + run.resolve("plots") + "\n");
        assertThat(Files.readString(run.resolve("report.md"))).isEqualTo(before);
        assertThat(run.resolve("report.html")).isRegularFile();
        assertThat(run.resolve("plots").resolve("res-loss.png")).isRegularFile();
    }

    @Test
    void aFolderThatIsNotARunIsAUserError() throws Exception {
        Result missing = replica("report", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err())
                .isEqualTo("replica: " + dir.resolve("nope") + " is not a run folder: no such "
                        + "folder; give the folder that 'replica run' printed as 'Run folder ...'\n");
        Path half = Files.createDirectories(dir.resolve("half"));
        Files.writeString(half.resolve("experiment.yaml"), "name: x\n");
        for (String command : List.of("report", "reproduce")) {
            Result r = replica(command, half.toString());
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err())
                    .isEqualTo("replica: " + half + " is not a run folder: it has no manifest.json; "
                            + "give the folder that 'replica run' printed as 'Run folder ...'\n");
        }
        Result diff = replica("diff", run.toString(), dir.resolve("nope").toString());
        assertThat(diff.exit()).isEqualTo(2);
        assertThat(diff.err())
                .startsWith("replica: " + dir.resolve("nope") + " is not a run folder")
                .doesNotContain("\tat ");
    }

    @Test
    void listShowsEveryPluginByKindWithVersionAndDescription() {
        Result r = replica("list");
        assertThat(r.exit()).isZero();
        List<String> lines = List.of(r.out().split("\n"));
        assertThat(lines)
                .filteredOn(l -> l.endsWith("plugins:"))
                .containsExactly(
                        "engine plugins:",
                        "dataset plugins:",
                        "model plugins:",
                        "optimizer plugins:",
                        "schedule plugins:");
        for (String name : List.of(
                "mxnet",
                "pytorch",
                "cifar10",
                "synthetic",
                "resnet",
                "vgg",
                "sgd",
                "multistep",
                "cosine",
                "constant")) {
            assertThat(lines).as(name).anyMatch(l -> l.matches("  " + name + " +\\S+ +\\S.*"));
        }
        assertThat(r.out()).endsWith("\nreplica describe KIND/NAME shows a plugin's parameters.\n");
    }

    @Test
    void describeShowsEachParameterWithTypeDefaultAndAllowedValues() {
        Result r = replica("describe", "resnet");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(replica("describe", "model/resnet").out()).isEqualTo(r.out());
        List<String> lines = List.of(r.out().split("\n"));
        assertThat(lines.get(0))
                .startsWith("model/resnet (version ")
                .endsWith(", dev.replica.models.resnet.ResNetPlugin)");
        assertThat(lines).anyMatch(l -> l.matches("  key +type +default +allowed +description"));
        assertThat(lines).anyMatch(l -> l.matches("  depth +integer +18 +\\[18, 34\\] +\\S.*"));
        assertThat(lines).anyMatch(l -> l.matches("  width +integer +64 +>= 1 and <= 512 +\\S.*"));
        Result sgd = replica("describe", "sgd");
        assertThat(sgd.out()).containsPattern("(?m)^  lr +number +0\\.1 +> 0 +\\S");
    }

    @Test
    void describeNamesWhatExistsForAnUnknownNameOrKind() {
        Result unknown = replica("describe", "resnt");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err())
                .isEqualTo("replica: unknown plugin 'resnt'; available: [engine/mxnet, engine/pytorch, "
                        + "dataset/cifar10, dataset/synthetic, model/cifar-resnet, model/resnet, model/vgg, optimizer/sgd, "
                        + "schedule/constant, schedule/cosine, schedule/multistep]\n");
        Result kind = replica("describe", "models/resnet");
        assertThat(kind.exit()).isEqualTo(2);
        assertThat(kind.err())
                .isEqualTo("replica: unknown plugin kind 'models' in 'models/resnet'; allowed: "
                        + "[engine, dataset, model, optimizer, schedule]\n");
        Result name = replica("describe", "model/resnt");
        assertThat(name.exit()).isEqualTo(2);
        assertThat(name.err())
                .isEqualTo("replica: unknown model plugin 'resnt'; available: [cifar-resnet, resnet, vgg]\n");
    }

    /** A dataset plugin named like a model, loaded from a plugins folder, to make a name ambiguous. */
    public static final class DatasetNamedResnet implements DatasetPlugin {
        @Override
        public String name() {
            return "resnet";
        }

        @Override
        public ParameterSchema schema() {
            return ParameterSchema.empty();
        }

        @Override
        public DataSplits open(Params params, DataContext context) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void anAmbiguousNameListsTheMatchesAndKindSlashNameChooses() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (OutputStream file = Files.newOutputStream(plugins.resolve("ambiguous.jar"));
                JarOutputStream jar = new JarOutputStream(file)) {
            jar.putNextEntry(new JarEntry("META-INF/services/" + DatasetPlugin.class.getName()));
            jar.write((DatasetNamedResnet.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        Result ambiguous = replica("--plugins", plugins.toString(), "describe", "resnet");
        assertThat(ambiguous.exit()).isEqualTo(2);
        assertThat(ambiguous.err())
                .isEqualTo("replica: 'resnet' names 2 plugins: dataset/resnet, model/resnet; "
                        + "write KIND/NAME, e.g. replica describe dataset/resnet\n");
        Result chosen = replica("--plugins", plugins.toString(), "describe", "dataset/resnet");
        assertThat(chosen.exit()).isZero();
        assertThat(chosen.out()).startsWith("dataset/resnet (version ").endsWith("\n\nNo parameters.\n");
    }

    @Test
    void diffListsWhatDiffersKeyPathByKeyPathAndSaysWhenNothingDoes() throws Exception {
        Result same = replica("diff", run.toString(), run.toString());
        assertThat(same.exit()).isZero();
        assertThat(same.out()).isEqualTo("no differences\n");

        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.writeString(
                other.resolve("experiment.yaml"),
                Files.readString(run.resolve("experiment.yaml"))
                        .replace("seed: 0", "seed: 3")
                        .replace("width: 2", "width: 4"));
        Files.writeString(
                other.resolve("manifest.json"),
                Files.readString(run.resolve("manifest.json"))
                        .replaceFirst("\"java.version\": \"[^\"]*\"", "\"java.version\": \"21.0.1\"")
                        .replaceFirst("\"res\": \"[0-9a-f]+\"", "\"res\": \"abc\""));
        String javaVersion = System.getProperty("java.version");
        Result r = replica("diff", run.toString(), other.toString());
        assertThat(r.exit()).isZero();
        String resWeights = JsonParser.parseString(Files.readString(run.resolve("manifest.json")))
                .getAsJsonObject()
                .getAsJsonObject("weights.sha256")
                .get("res")
                .getAsString();
        assertThat(r.out())
                .isEqualTo("--- " + run + "\n+++ " + other + "\n"
                        + "experiment.yaml: 2 differences\n"
                        + "  seed: 0 -> 3\n"
                        + "  models.res.params.width: 2 -> 4\n"
                        + "manifest.json: 2 differences\n"
                        + "  environment.java.version: " + javaVersion + " -> 21.0.1\n"
                        + "  weights.sha256.res: " + resWeights + " -> abc\n");
    }

    @Test
    void severalSeedsGiveMeanAndSpreadAtTheTopAndEachSeedsTableBelow() throws Exception {
        Result r = replica(
                "run",
                file.toString(),
                "--seeds",
                "0,1",
                "--set",
                "training.epochs=1",
                "--out",
                dir.resolve("seeds").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Path folder = TinyExperiment.runFolder(Path.of(""), r.out());
        assertThat(Files.readString(folder.resolve("experiment.yaml")))
                .contains("\nseeds: [0, 1]\n")
                .doesNotContain("\nseed: ");
        for (String seed : List.of("seed-0", "seed-1")) {
            assertThat(folder.resolve(seed).resolve("summary.md")).isRegularFile();
            assertThat(folder.resolve("res").resolve(seed).resolve("history.csv"))
                    .isRegularFile();
        }
        String summary = Files.readString(folder.resolve("summary.md"));
        assertThat(summary)
                .startsWith(
                        "Seeds: 0, 1 (n = 2); values are mean ± sample standard deviation (n-1) " + "over seeds.\n");
        assertThat(r.out()).contains(summary);

        // The aggregate against the seeds' own tables: with two values a and b the mean is (a + b) / 2 and
        // the sample standard deviation sqrt(((a - m)^2 + (b - m)^2) / (2 - 1)) = |a - b| / sqrt(2).
        List<String[]> seed0 = csv(folder.resolve("seed-0").resolve("summary.csv"));
        List<String[]> seed1 = csv(folder.resolve("seed-1").resolve("summary.csv"));
        List<String[]> all = csv(folder.resolve("summary.csv"));
        for (int m = 0; m < 2; m++) {
            double a = Double.parseDouble(seed0.get(m)[2]);
            double b = Double.parseDouble(seed1.get(m)[2]);
            assertThat(all.get(m)[0]).isEqualTo(seed0.get(m)[0]);
            assertThat(Double.parseDouble(all.get(m)[4]))
                    .isCloseTo((a + b) / 2, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(Double.parseDouble(all.get(m)[5]))
                    .isCloseTo(Math.abs(a - b) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-5));
        }
        // The difference: the mean of the per-seed differences and their own spread.
        double d0 = Double.parseDouble(seed0.get(0)[2]) - Double.parseDouble(seed0.get(1)[2]);
        double d1 = Double.parseDouble(seed1.get(0)[2]) - Double.parseDouble(seed1.get(1)[2]);
        String[] difference = csv(folder.resolve("differences.csv")).get(0);
        assertThat(Double.parseDouble(difference[3]))
                .isCloseTo((d0 + d1) / 2, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(Double.parseDouble(difference[4]))
                .isCloseTo(Math.abs(d0 - d1) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-5));

        String md = Files.readString(folder.resolve("report.md"));
        assertThat(md).contains(summary, "### Seed 0\n\n| Model |", "### Seed 1\n\n| Model |", "| Seeds | 0, 1 |");
        assertThat(count(Files.readString(folder.resolve("report.html")), "<tr data-model="))
                .isEqualTo(2 + 2 * 2);
    }

    @Test
    void seedsCannotChangeARunBeingResumedAndMustBeIntegers() {
        Result resume = replica("run", "--resume", run.toString(), "--seeds", "1,2");
        assertThat(resume.exit()).isEqualTo(2);
        assertThat(resume.err())
                .isEqualTo("replica: --seeds cannot change a run being resumed; start a new run instead\n");
        Result bad = replica("run", file.toString(), "--seeds", "0,x");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo(file + ": 1 problem\n  seeds[1] (--set): 'x' is not an integer\n");
    }

    private static List<String[]> csv(Path file) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file)) {
            lines.skip(1).forEach(l -> rows.add(l.split(",")));
        }
        return rows;
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
