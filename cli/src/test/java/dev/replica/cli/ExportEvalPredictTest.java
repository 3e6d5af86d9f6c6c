package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import dev.replica.api.EngineSession;
import dev.replica.api.ModelPlugin;
import dev.replica.core.exchange.TensorType;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.TensorFile;
import dev.replica.core.training.ModelTrainer;
import dev.replica.core.training.TrainingSetup;
import dev.replica.runner.Environment;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.TinyExperiment;
import dev.replica.runner.TrainedModel;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginRegistry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking a result elsewhere, on a tiny run: {@code eval} gives the summary again, {@code export} writes
 * PyTorch-named weights that an experiment's {@code weights} key reads back bit-identically, and
 * {@code predict} classifies an image as the model classifies the same test example.
 */
class ExportEvalPredictTest {

    @TempDir
    static Path dir;

    static Path run;

    static CliRun.Result replica(String... args) {
        return CliRun.replica(dir.resolve("data"), args);
    }

    static String experiment(String resModel) {
        return String.join(
                "\n",
                "replica: 1",
                "name: tiny",
                "seed: 0",
                "engine: {plugin: pytorch, threads: 2, device: cpu}",
                "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                "models:",
                "  res: " + resModel,
                "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 32, classes: 4}}",
                "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                "schedule: {plugin: multistep, params: {milestones: [2], gamma: 0.1}}",
                "training: {epochs: 2, batch_size: 16}",
                "");
    }

    static final String RES = "{plugin: resnet, params: {depth: 18, width: 4, classes: 4}}";

    @BeforeAll
    static void aTinyRun() throws Exception {
        Path file = dir.resolve("tiny.yaml");
        Files.writeString(file, experiment(RES));
        CliRun.Result r =
                replica("run", file.toString(), "--out", dir.resolve("runs").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        run = TinyExperiment.runFolder(Path.of(""), r.out());
    }

    @Test
    void evalInAFreshProcessGivesTheSummaryTableAgain() throws Exception {
        // As a user runs it: not the JVM that trained, at the shipped 2 threads.
        FreshJvm.Result r = FreshJvm.run(dir, "eval", run.toAbsolutePath().toString(), "--model", "res");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .contains("Same as " + run.toAbsolutePath().resolve("summary.csv"))
                .doesNotContain("Differs");
    }

    @Test
    void evalGivesTheSummaryTableAgainWithTheConfusionMatrix() throws Exception {
        CliRun.Result r = replica("eval", run.toString(), "--logits");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("## res: test split, best weights (epoch ", "## vgg: test split, best weights (epoch ")
                .contains("Same as " + run.resolve("summary.csv") + ": test loss ")
                .doesNotContain("Differs");
        assertThat(r.out().split("Same as ", -1)).hasSize(3);
        assertThat(r.out()).contains("| class | accuracy (%) | examples |\n|---|---:|---:|\n| class0 | ");
        List<String> confusion = Files.readAllLines(run.resolve("eval/res-test-confusion.csv"));
        assertThat(confusion.get(0)).isEqualTo("true,class0,class1,class2,class3");
        long total = 0;
        for (String row : confusion.subList(1, confusion.size())) {
            String[] cells = row.split(",");
            for (int i = 1; i < cells.length; i++) {
                total += Long.parseLong(cells[i]);
            }
        }
        assertThat(total).isEqualTo(24);
        assertThat(run.resolve("eval/res-test-confusion.png")).isRegularFile();
        WeightsFile.Contents logits = WeightsFile.NPZ.read(run.resolve("eval/res-test-logits.npz"));
        assertThat(logits.tensors().get("logits").shape()).containsExactly(24, 4);
        assertThat(logits.tensors().get("labels").type()).isEqualTo(TensorType.I64);
    }

    @Test
    void exportedWeightsAreTheRunsInPyTorchsNamesAndAnExperimentStartsFromThem() throws Exception {
        Path out = dir.resolve("exported");
        CliRun.Result r = replica("export", run.toString(), "--out", out.toString(), "--model", "res");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Wrote " + out.resolve("res.safetensors") + ": 102 tensors of model 'res'");
        WeightsFile.Contents file = WeightsFile.SAFETENSORS.read(out.resolve("res.safetensors"));
        assertThat(file.tensors().keySet()).startsWith("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean");
        assertThat(file.tensors()).containsKeys("layer2.0.downsample.0.weight", "layer4.1.bn2.running_var", "fc.bias");
        assertThat(file.metadata())
                .containsEntry("replica.plugin", "resnet")
                .containsEntry("replica.params", "{\"depth\":18,\"width\":4,\"classes\":4}")
                .containsEntry("replica.weights", "best");
        // The same values as the run's best.params, in the same (block) order.
        List<float[]> best = new ArrayList<>();
        TensorFile.read(run.resolve("res/best.params")).values().forEach(e -> best.add(e.values()));
        List<float[]> exported = new ArrayList<>();
        file.tensors().values().forEach(t -> exported.add(t.floats()));
        assertThat(exported).hasSameSizeAs(best);
        for (int i = 0; i < best.size(); i++) {
            assertThat(exported.get(i)).containsExactly(best.get(i));
        }
        // npz holds the same arrays.
        assertThat(replica("export", run.toString(), "--out", out.toString(), "--model", "res", "--format", "npz")
                        .exit())
                .isZero();
        assertThat(WeightsFile.NPZ.read(out.resolve("res.npz")).tensors()).isEqualTo(file.tensors());
        // Nothing is overwritten.
        CliRun.Result again = replica("export", run.toString(), "--out", out.toString(), "--model", "res");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err())
                .isEqualTo("replica: " + out.resolve("res.safetensors") + " exists; remove it, or export to another "
                        + "--out\n");

        // An experiment names the file relative to itself; the model starts from exactly those weights.
        Path study = dir.resolve("study");
        Files.createDirectories(study);
        Files.copy(out.resolve("res.safetensors"), study.resolve("res.safetensors"));
        Path yaml = study.resolve("from-export.yaml");
        Files.writeString(yaml, experiment(RES.replace("}}", "}, weights: res.safetensors}")));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        Experiment e = new ExperimentLoader(registry).load(yaml, List.of());
        assertThat(e.models().get("res").weights())
                .isEqualTo(study.resolve("res.safetensors").toAbsolutePath());
        Environment env =
                Environment.from(TinyExperiment.env(dir.resolve("data").toString()));
        RunAssembly assembly = new RunAssembly(registry, env);
        ModelPlugin resnet = registry.model("resnet");
        try (TrainedModel source = TrainedModel.open(registry, env, e, run, "res", null, TrainedModel.Weights.BEST);
                EngineSession session = assembly.openEngine(e)) {
            TrainingSetup setup = assembly.setup(e, session, assembly.openData(e, 0), 0);
            try (ModelTrainer imported = new ModelTrainer(
                    setup,
                    "res",
                    resnet,
                    e.models().get("res").params(),
                    DataType.FLOAT32,
                    e.models().get("res").weights())) {
                assertThat(ModelState.checksum(imported.block()))
                        .isEqualTo(ModelState.checksum(source.model().block()));
            }
        }
        CliRun.Result trained =
                replica("run", yaml.toString(), "--out", dir.resolve("runs2").toString());
        assertThat(trained.exit()).as(trained.err()).isZero();
        Path second = TinyExperiment.runFolder(Path.of(""), trained.out());
        String sha = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(study.resolve("res.safetensors"))));
        assertThat(Files.readString(second.resolve("manifest.json")))
                .contains("\"initial_weights\": {\n    \"res\": \"" + sha + "  "
                        + study.resolve("res.safetensors").toAbsolutePath());
        assertThat(Files.readString(second.resolve("experiment.yaml")))
                .contains("weights: " + study.resolve("res.safetensors").toAbsolutePath());

        // The file the run started from changes: resuming is refused. It goes away: the run's own weights
        // still evaluate, and a resume of a finished run needs no file.
        Files.write(study.resolve("res.safetensors"), new byte[] {1}, StandardOpenOption.APPEND);
        CliRun.Result changed = replica("run", "--resume", second.toString());
        assertThat(changed.exit()).isEqualTo(2);
        assertThat(changed.err())
                .contains("models.res.weights: "
                        + study.resolve("res.safetensors").toAbsolutePath() + " has changed since the run started");
        Files.delete(study.resolve("res.safetensors"));
        CliRun.Result evaluated = replica("eval", second.toString(), "--model", "res");
        assertThat(evaluated.exit()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("Same as " + second.resolve("summary.csv"));
    }

    @Test
    void weightsThatDoNotFitAreRefusedWithTheirProblems() throws Exception {
        Path out = dir.resolve("vgg-export");
        assertThat(replica("export", run.toString(), "--out", out.toString(), "--model", "vgg")
                        .exit())
                .isZero();
        Path yaml = dir.resolve("wrong-weights.yaml");
        Files.writeString(yaml, experiment(RES.replace("}}", "}, weights: " + out.resolve("vgg.safetensors") + "}")));
        CliRun.Result r =
                replica("run", yaml.toString(), "--out", dir.resolve("runs3").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .startsWith(
                        "replica: " + out.resolve("vgg.safetensors") + " does not fit model 'res' (plugin 'resnet', ")
                .contains("missing 102 of the model's 102 tensors: conv1.weight, bn1.weight,")
                .contains("tensors the model does not have: features.0.weight,")
                .doesNotContain("Exception", "\tat ");
        assertThat(r.out()).contains("Removed ");
        assertThat(dir.resolve("runs3")).as("a refused run leaves no folder").doesNotExist();

        Files.writeString(yaml, experiment(RES.replace("}}", "}, weights: nowhere.safetensors}")));
        CliRun.Result missing = replica("validate", yaml.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err())
                .contains("models.res.weights (7:")
                .contains("'nowhere.safetensors': no such file (looked for " + dir.resolve("nowhere.safetensors"));
        Files.writeString(yaml, experiment(RES.replace("}}", "}, weights: model.pt}")));
        assertThat(replica("validate", yaml.toString()).err())
                .contains("'model.pt' is neither .safetensors nor .npz; allowed: a .safetensors or .npz file");
        Files.writeString(yaml, experiment(RES.replace("}}", "}, weigths: a.npz}")));
        assertThat(replica("validate", yaml.toString()).err()).contains("did you mean 'weights'?");
    }

    @Test
    void predictClassifiesATestImageAsEvalDoes() throws Exception {
        // Test example 0 of the synthetic data, back to its pixels through the normalisation.
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        Experiment e = new ExperimentLoader(registry).load(run.resolve("experiment.yaml"), List.of());
        Environment env =
                Environment.from(TinyExperiment.env(dir.resolve("data").toString()));
        float[] expected;
        float[] features;
        try (TrainedModel model = TrainedModel.open(registry, env, e, run, "res", null, TrainedModel.Weights.BEST)) {
            var batch = model.data().test().batch(new int[] {0}, null);
            features = batch.features();
            expected = model.model().logits(batch);
            int side = (int) model.data().exampleShape().get(1);
            BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            float[] mean = {0.4914f, 0.4822f, 0.4465f};
            float[] std = {0.2470f, 0.2435f, 0.2616f};
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int rgb = 0;
                    for (int c = 0; c < 3; c++) {
                        float f = features[(c * side + y) * side + x];
                        int pixel = -1;
                        for (int p = 0; p < 256; p++) {
                            if ((p / 255f - mean[c]) / std[c] == f) {
                                pixel = p;
                            }
                        }
                        assertThat(pixel).as("a pixel value for %s", f).isNotNegative();
                        rgb = rgb << 8 | pixel;
                    }
                    image.setRGB(x, y, rgb);
                }
            }
            ImageIO.write(image, "png", dir.resolve("example0.png").toFile());
            assertThat(model.data()
                            .imageExample(
                                    ImageIO.read(dir.resolve("example0.png").toFile())))
                    .containsExactly(features);
        }
        int best = 0;
        for (int c = 1; c < expected.length; c++) {
            if (expected[c] > expected[best]) {
                best = c;
            }
        }
        CliRun.Result r =
                replica("predict", run.toString(), dir.resolve("example0.png").toString(), "--model", "res");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(dir.resolve("example0.png") + "  res: class" + best + " 0.");
        assertThat(r.out().strip().split(", ")).hasSize(3);

        Files.writeString(dir.resolve("not-an-image.png"), "hello");
        CliRun.Result bad = replica(
                "predict", run.toString(), dir.resolve("not-an-image.png").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err())
                .isEqualTo("replica: " + dir.resolve("not-an-image.png") + " is not a PNG or JPEG image\n");
    }

    @Test
    void badOptionsAreUserErrors() {
        CliRun.Result set = replica("eval", run.toString(), "--set", "training.epochs=3");
        assertThat(set.exit()).isEqualTo(2);
        assertThat(set.err()).contains("--set training.epochs=3: only the data can change here");
        CliRun.Result weights = replica("export", run.toString(), "--weights", "latest");
        assertThat(weights.err()).isEqualTo("replica: --weights latest is not allowed; allowed: best, final\n");
        CliRun.Result model = replica("eval", run.toString(), "--model", "alexnet");
        assertThat(model.err()).contains("--model alexnet: " + run + " has no such model; its models: [res, vgg]");
        CliRun.Result format = replica("export", run.toString(), "--format", "onnx");
        assertThat(format.err()).isEqualTo("replica: --format onnx is not allowed; allowed: safetensors, npz\n");
        CliRun.Result split = replica("eval", run.toString(), "--split", "holdout");
        assertThat(split.exit()).isEqualTo(2);
        assertThat(split.err())
                .contains("split 'holdout' is not one of this dataset's; allowed: test, validation, train");
    }
}
