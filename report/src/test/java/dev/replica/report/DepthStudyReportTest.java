package dev.replica.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.record.ModelFiles;
import dev.replica.core.record.RunContents;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * He et al. 2016's Figure 6 from a hand-made run folder: the table gives each net's errors at the end
 * and at best beside the published error, one picture per group, and the sentences follow the numbers
 * (swap the plain nets' histories and the verdict turns).
 */
class DepthStudyReportTest {

    @TempDir
    Path dir;

    private static final String STUDY = String.join(
            "\n",
            "report:",
            "  depth_study:",
            "    title: Figure 6",
            "    groups:",
            "      plain: [plain20, plain56]",
            "      ResNet: [resnet20, resnet56]",
            "    published_test_error: {resnet20: 8.75, resnet56: 6.97}",
            "");

    /** A run folder of four nets whose final training errors are the given ones (percent), 3 epochs each. */
    private Path run(double plain20, double plain56, double resnet20, double resnet56) throws IOException {
        Path run = Files.createDirectories(dir.resolve("runs/fig6/20260101-000000-abcdef12"));
        Files.writeString(
                run.resolve("experiment.yaml"),
                String.join(
                        "\n",
                        "replica: 1",
                        "name: fig6",
                        "seed: 0",
                        "models:",
                        "  plain20: {plugin: cifar-resnet}",
                        "  plain56: {plugin: cifar-resnet}",
                        "  resnet20: {plugin: cifar-resnet}",
                        "  resnet56: {plugin: cifar-resnet}",
                        "training: {epochs: 3, batch_size: 128, eval_batch_size: 128}",
                        STUDY));
        Files.writeString(
                run.resolve("manifest.json"),
                "{\"experiment\": {\"name\": \"fig6\", \"seeds\": [0]}, \"dataset\": {\"train\": 1000,"
                        + " \"validation\": 500, \"validation_source\": \"test\", \"test\": 500, \"provenance\": {}}}\n");
        history(run, "plain20", plain20);
        history(run, "plain56", plain56);
        history(run, "resnet20", resnet20);
        history(run, "resnet56", resnet56);
        return run;
    }

    /** Three epochs falling to the final training error; the test error 5 points above it. */
    private static void history(Path run, String label, double finalTrainError) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= 3; epoch++) {
            double train = finalTrainError + 10 * (3 - epoch);
            double test = train + 5;
            rows.add(List.of(
                    Integer.toString(epoch),
                    "0.1",
                    "1.0",
                    Double.toString(1 - train / 100),
                    "1.2",
                    Double.toString(1 - test / 100)));
        }
        Files.createDirectories(run.resolve(label));
        Files.writeString(run.resolve(label).resolve("history.csv"), ModelFiles.csv(ModelFiles.HISTORY_COLUMNS, rows));
    }

    @Test
    void theReportSaysTheDeeperPlainNetTrainedWorseAndTheDeeperResNetBetter() throws IOException {
        Path run = run(20, 25, 18, 15);

        Report.Written written = Report.write(run);

        String md = Files.readString(written.markdown());
        assertThat(md)
                .contains("## Figure 6")
                .contains("| Model | Group | Train err, end (%) | Train err, best (%) | Test err, end (%) | "
                        + "Test err, best (%) | Published test err (%) |")
                .contains("| plain56 | plain | 25.00 | 25.00 | 30.00 | 30.00 |  |")
                .contains("| resnet20 | ResNet | 18.00 | 18.00 | 23.00 | 23.00 | 8.75 |")
                .contains("plain: the deeper nets trained worse (final training error 20.00 % plain20 -> "
                        + "25.00 % plain56); the test error rose with depth (25.00 % plain20 -> 30.00 % plain56).")
                .contains("ResNet: the deeper nets trained better (final training error 18.00 % resnet20 -> "
                        + "15.00 % resnet56); the test error fell with depth");
        assertThat(Files.readString(written.html())).contains("<table id=\"depth-study\">", "data-model=\"resnet56\"");
        for (String group : List.of("plain", "ResNet")) {
            Path png = run.resolve("plots/depth-study-" + group + ".png");
            assertThat(written.plots()).contains(png);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(Plots.WIDTH);
            assertThat(run.resolve("plots/depth-study-" + group + ".svg")).isNotEmptyFile();
        }
        // Iterations on the x axis: 1000 examples in batches of 128 are 8 steps an epoch.
        assertThat(RunContents.read(run).stepsPerEpoch()).hasValue(8);
    }

    @Test
    void theVerdictFollowsTheNumbersNotTheGroupsName() throws IOException {
        Path run = run(25, 20, 15, 15);

        List<String> sentences = DepthStudyReport.of(
                        RunContents.read(run),
                        ReportSection.ofRun(RunContents.read(run)).depthStudy())
                .sentences();

        assertThat(sentences)
                .containsExactly(
                        "plain: the deeper nets trained better (final training error 25.00 % plain20 -> 20.00 % "
                                + "plain56); the test error fell with depth (30.00 % plain20 -> 25.00 % plain56).",
                        "ResNet: training error did not follow depth (final training error 15.00 % resnet20 -> "
                                + "15.00 % resnet56); the test error did not follow depth (20.00 % resnet20 -> "
                                + "20.00 % resnet56).");
    }

    @Test
    void aRunWithoutTheSectionHasNoDepthStudy() throws IOException {
        Path run = run(20, 25, 18, 15);
        String yaml = Files.readString(run.resolve("experiment.yaml"));
        Files.writeString(run.resolve("experiment.yaml"), yaml.substring(0, yaml.indexOf("report:")));

        Report.Written written = Report.write(run);

        assertThat(Files.readString(written.markdown())).doesNotContain("Figure 6", "trained worse");
        assertThat(run.resolve("plots/depth-study-plain.png")).doesNotExist();
    }
}
