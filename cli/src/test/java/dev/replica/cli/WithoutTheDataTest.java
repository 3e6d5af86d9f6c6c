package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.exchange.WeightsFile;
import dev.replica.runner.TinyExperiment;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a machine without the run's data (no REPLICA_DATA, nothing where a run looks, no download):
 * {@code export} and {@code predict} read weights (and the image) only, and work; {@code eval}, which
 * needs the test images, says where it looked for them.
 */
class WithoutTheDataTest {

    @TempDir
    Path dir;

    @Test
    void exportAndPredictNeedNoDataAndEvalSaysWhereItLooked() throws Exception {
        Path data = dir.resolve("data");
        TinyExperiment.cifar10(data.resolve("cifar10"));
        CliRun.Result run = CliRun.replica(
                data,
                "run",
                TinyExperiment.cifar10Experiment(dir).toString(),
                "--out",
                dir.resolve("runs").toString());
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Path folder = TinyExperiment.runFolder(Path.of(""), run.out());
        Map<String, String> env = TinyExperiment.withoutData(dir.resolve("elsewhere"));

        CliRun.Result export = CliRun.replica(env, "export", folder.toString());
        assertThat(export.exit()).as(export.out() + export.err()).isZero();
        Path file = folder.resolve("export/res.safetensors");
        assertThat(export.out()).startsWith("Wrote " + file + ": ");
        WeightsFile.Contents contents = WeightsFile.SAFETENSORS.read(file);
        assertThat(contents.metadata().get("replica.classes")).startsWith("[\"airplane\",\"automobile\"");
        assertThat(contents.tensors()).containsKeys("conv1.weight", "fc.bias");
        assertThat(dir.resolve("elsewhere")).doesNotExist();

        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 4, 0x20a0ff);
        Path png = dir.resolve("image.png");
        ImageIO.write(image, "png", png.toFile());
        CliRun.Result predict = CliRun.replica(env, "predict", folder.toString(), png.toString());
        assertThat(predict.exit()).as(predict.out() + predict.err()).isZero();
        assertThat(predict.out())
                .startsWith(png + "  res: ")
                .containsPattern("(airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck) 0\\.\\d{4}");
        assertThat(dir.resolve("elsewhere")).doesNotExist();

        CliRun.Result eval = CliRun.replica(env, "eval", folder.toString());
        assertThat(eval.exit()).as(eval.out() + eval.err()).isEqualTo(2);
        assertThat(eval.err())
                .startsWith("replica: CIFAR-10 not found in " + dir.resolve("elsewhere/replica/cifar10") + ": ")
                .doesNotContain("\tat ");
    }
}
