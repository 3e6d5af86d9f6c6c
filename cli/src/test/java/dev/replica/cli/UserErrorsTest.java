package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.TinyExperiment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees for a bad file or missing data: one clear message, exit status 2, no stack trace. */
class UserErrorsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int replica(String... args) {
        return ReplicaCli.execute(
                args,
                TinyExperiment.env(dir.resolve("data").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path file(String name, String yaml) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml, StandardCharsets.UTF_8);
        return f;
    }

    private static String study(String models, String dataset) {
        return String.join(
                "\n",
                "replica: 1",
                "name: study",
                "seed: 0",
                "engine: {plugin: pytorch, threads: 2, device: cpu}",
                "dataset: " + dataset,
                "models:",
                models,
                "optimizer: {plugin: sgd, params: {lr: 0.1}}",
                "schedule: {plugin: multistep, params: {milestones: [50, 75], gamma: 0.1}}",
                "training: {epochs: 1, batch_size: 128}",
                "");
    }

    @Test
    void aFileWithProblemsListsThemAllInTheDesignsLayout() throws Exception {
        Path f = file(
                "bad.yaml",
                study(
                                "  resnet18: {plugin: resnet, params: {depth: 19, widht: 16}}\n"
                                        + "  vgg19bn: {plugin: vggg}",
                                "{plugin: cifar10}")
                        .replace("epochs: 1", "epochs: ten"));
        int status = replica("validate", f.toString());
        assertThat(status).isEqualTo(2);
        assertThat(stderr())
                .isEqualTo(f + ": 4 problems\n"
                        + "  models.resnet18.params.depth (7:46): 19 is not allowed; allowed: [18, 34]\n"
                        + "  models.resnet18.params.widht (7:50): unknown key; did you mean 'width'?\n"
                        + "  models.vgg19bn.plugin (8:21): unknown model plugin 'vggg'; available: [cifar-resnet, resnet, vgg]; did you mean 'vgg'?\n"
                        + "  training.epochs (11:20): 'ten' is not an integer\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aMissingFileIsOneProblem() {
        int status = replica(
                "run",
                dir.resolve("nope.yaml").toString(),
                "--out",
                dir.resolve("runs").toString());
        assertThat(status).isEqualTo(2);
        assertThat(stderr())
                .startsWith(dir.resolve("nope.yaml") + ": 1 problem\n  (file): no such file")
                .doesNotContain("\tat ");
        assertThat(dir.resolve("runs")).doesNotExist();
    }

    @Test
    void missingDataSaysWhereToPutIt() throws Exception {
        Path f = file(
                "nodata.yaml",
                study("  r: {plugin: resnet, params: {width: 2}}", "{plugin: cifar10, params: {download: false}}"));
        int status = replica("run", f.toString(), "--out", dir.resolve("runs").toString());
        assertThat(status).isEqualTo(2);
        assertThat(stderr())
                .startsWith(
                        "replica: CIFAR-10 not found in " + dir.resolve("data").resolve("cifar10"))
                .contains("data_batch_1.bin", "REPLICA_DATA")
                .doesNotContain("\tat ", "Exception");
    }

    @Test
    void thePluginsFolderMayBeGivenBeforeOrAfterTheCommand() throws Exception {
        Path f = file("ok.yaml", study("  r: {plugin: resnet, params: {width: 2}}", "{plugin: synthetic}"));
        Path missing = dir.resolve("no-such-folder");
        assertThat(replica("--plugins", missing.toString(), "validate", f.toString()))
                .isEqualTo(2);
        assertThat(replica("validate", f.toString(), "--plugins", missing.toString()))
                .isEqualTo(2);
        String message = "replica: plugins folder " + missing + " does not exist or is not a folder\n";
        assertThat(stderr()).isEqualTo(message + message);
    }

    @Test
    void aDamagedCheckpointSaysWhichFolderAndWhatToDo() throws Exception {
        Path f = file(
                "tiny.yaml",
                study(
                                "  r: {plugin: resnet, params: {width: 2, classes: 4}}",
                                "{plugin: synthetic, params: {train_size: 16, test_size: 8, classes: 4}}")
                        .replace("batch_size: 128", "batch_size: 8"));
        assertThat(replica("run", f.toString(), "--out", dir.resolve("runs").toString()))
                .as(stderr())
                .isZero();
        Path run;
        try (var folders = Files.list(dir.resolve("runs").resolve("study"))) {
            run = folders.findFirst().orElseThrow();
        }
        // The manifest's sections are sorted maps: the same text on every run.
        String manifest = Files.readString(run.resolve("manifest.json"));
        assertThat(manifest.indexOf("\"format\"")).isLessThan(manifest.indexOf("\"version\""));
        Path optimizer = run.resolve("r").resolve("checkpoint").resolve("optimizer.bin");
        Files.write(optimizer, Arrays.copyOf(Files.readAllBytes(optimizer), 40));

        assertThat(replica("run", "--resume", run.toString())).isEqualTo(2);
        assertThat(stderr())
                .startsWith(
                        "replica: " + run.resolve("r").resolve("checkpoint") + ": cannot resume model 'r' from it (")
                .contains("delete that folder to train the model again from epoch 1")
                .doesNotContain("\tat ");
    }

    @Test
    void aHandEditedRunFolderIsNamedNotCrashedOn() throws Exception {
        Path run = Files.createDirectories(dir.resolve("edited"));
        Files.writeString(run.resolve("experiment.yaml"), "replica: 1\nname: x\nseeds: [zero]\nmodels: {}\n");
        Files.writeString(run.resolve("manifest.json"), "{\"experiment\": 3}");
        Files.writeString(run.resolve("summary.md"), "| Model |\n");
        assertThat(replica("report", run.toString())).isEqualTo(2);
        assertThat(stderr())
                .startsWith("replica: " + run.resolve("experiment.yaml") + ": seeds holds 'zero'")
                .doesNotContain("\tat ");
    }

    @Test
    void aModelWhoseClassesDifferFromTheDatasetsIsAProblemAtItsPosition() throws Exception {
        String dataset = "{plugin: synthetic, params: {train_size: 8, test_size: 8, classes: 4}}";
        Path f = file("classes.yaml", study("  res: {plugin: resnet, params: {width: 2, classes: 10}}", dataset));
        assertThat(replica("validate", f.toString())).isEqualTo(2);
        assertThat(stderr())
                .isEqualTo(f + ": 1 problem\n"
                        + "  models.res.params.classes (7:53): 10 does not match dataset 'synthetic', which has 4 classes; "
                        + "allowed: 4, or leave it out\n");
    }

    @Test
    void aModelThatLeavesClassesOutGetsTheDatasetsNotThePluginsDefault() throws Exception {
        String dataset = "{plugin: synthetic, params: {train_size: 8, test_size: 8, classes: 4}}";
        Path f = file("classes.yaml", study("  res: {plugin: resnet, params: {width: 2}}", dataset));
        assertThat(replica("validate", f.toString())).as(stderr()).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("  res:\n    plugin: resnet\n    params:\n")
                .containsPattern("(?s)  res:.*classes: 4\n.*optimizer:");
    }
}
