package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import dev.replica.core.config.ExperimentException;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.Numbers;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingStoppedException;
import dev.replica.runner.Replica;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.TinyExperiment;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentWriter;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library's example runs, gives what the files say, and is the one docs/java-api.md shows. */
class JavaApiTest {

    @TempDir
    Path dir;

    @Test
    void theDocumentedExampleRunsAndAgreesWithTheRunFolder() throws Exception {
        JavaApiExample.Seen seen = JavaApiExample.run(
                dir.resolve("data"), dir.resolve("runs"), new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB));
        assertThat(seen.run().experiment().seeds()).containsExactly(1L);
        assertThat(seen.run().folder().resolve("manifest.json")).isRegularFile();
        assertThat(seen.run().manifest().finished()).isTrue();
        assertThat(seen.row().label()).isEqualTo("small");
        // The model evaluates to the summary's figures, to the digits the summary keeps.
        assertThat(Numbers.significant(100 * seen.test().accuracy(), 8))
                .isEqualTo(Numbers.significant(100 * seen.row().testAccuracy(), 8));
        assertThat(Numbers.significant(seen.test().loss(), 8))
                .isEqualTo(Numbers.significant(seen.row().testLoss(), 8));
        assertThat(seen.top()).hasSize(3);
        assertThat(seen.top().get(0).probability())
                .isGreaterThanOrEqualTo(seen.top().get(1).probability());
        assertThat(seen.run().histories().get("small").get(1L)).hasSize(2);

        // The command, given the same experiment in a fresh process, writes the same history to the byte: at
        // the instruction set this JVM ran it (its auto is pinned; a fresh JVM's auto decides for itself).
        Path file = dir.resolve("same.yaml");
        Files.writeString(file, ExperimentWriter.toYaml(seen.run().experiment()));
        String isa = RunAssembly.trainedAt(seen.run().folder()).word();
        FreshJvm.Result r = FreshJvm.run(
                dir,
                "run",
                file.toString(),
                "--set",
                "engine.isa=" + isa,
                "--out",
                dir.resolve("cli").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        Path cli = TinyExperiment.runFolder(dir, r.out());
        assertThat(Files.readAllBytes(cli.resolve("small/history.csv")))
                .isEqualTo(Files.readAllBytes(seen.run().folder().resolve("small/history.csv")));
    }

    @Test
    void docsShowTheExampleWordForWord() throws Exception {
        List<String> source = Files.readAllLines(
                Path.of("src/test/java/dev/replica/cli/JavaApiExample.java"), StandardCharsets.UTF_8);
        int begin = source.indexOf("        // begin example");
        int end = source.indexOf("            // end example");
        String code = source.subList(begin + 1, end).stream()
                .map(l -> l.startsWith("        ") ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String docs = Files.readString(Path.of("../docs/java-api.md"), StandardCharsets.UTF_8);
        assertThat(docs).contains("```java\n" + code + "\n}\n```");
    }

    @Test
    void aStopRequestStopsAtAStepAndResumeEndsWithTheBitsOfARunThatNeverStopped() throws Exception {
        Replica replica = Replica.withDataRoot(dir);
        // Relaxed: in the suite's shared JVM, where both engines' natives are loaded, MXNet's first step has
        // differed from its probe's processes (the self-check stops such a run); this test is about the
        // lifecycle, and compares two runs of one process.
        Experiment experiment = replica.load(TinyExperiment.write(dir, "mxnet", 3, 2), "engine.determinism=relaxed");
        Replica.Run whole = replica.run(experiment, dir.resolve("whole"));

        StopRequest stop = new StopRequest();
        ProgressListener stopAtThird = new ProgressListener() {
            @Override
            public void stepTrained(String label, int epoch, int step, int steps) {
                if (epoch == 1 && step == 3) {
                    stop.request("asked by the test");
                }
            }
        };
        Path out = dir.resolve("stopped");
        assertThatThrownBy(() -> replica.run(experiment, out, stopAtThird, stop))
                .isInstanceOf(TrainingStoppedException.class);
        List<Path> folders;
        try (Stream<Path> runs = Files.list(out.resolve("tiny"))) {
            folders = runs.toList();
        }
        assertThat(folders).as("the stopped run's folder is kept").hasSize(1);
        Path folder = folders.get(0);
        assertThat(folder.resolve("res").resolve(RunFolder.CHECKPOINT)).isDirectory();
        // Resume takes the folder's exclusive lock: the stopped run released it.
        Replica.Run resumed = replica.resume(folder, ProgressListener.SILENT, new StopRequest());
        assertThat(resumed.manifest().finished()).isTrue();
        assertThat(resumed.folder().resolve(RunFolder.REPORT)).isRegularFile();
        for (String model : List.of("res", "vgg")) {
            assertThat(Files.readAllBytes(folder.resolve(model).resolve(RunFolder.HISTORY)))
                    .as(model)
                    .isEqualTo(Files.readAllBytes(whole.folder().resolve(model).resolve(RunFolder.HISTORY)));
        }
    }

    @Test
    void aRunRefusedBeforeItTrainedLeavesNoFolder() throws Exception {
        // No CIFAR-10 files where the run looks: the data cannot open, a user error, after the folder started.
        Replica replica = Replica.withDataRoot(dir.resolve("no-data"));
        Experiment experiment = replica.load(TinyExperiment.cifar10Experiment(dir));
        Path out = dir.resolve("runs");
        assertThatThrownBy(() -> replica.run(experiment, out)).isInstanceOf(UserException.class);
        assertThat(out)
                .satisfiesAnyOf(
                        o -> assertThat(o).doesNotExist(), o -> assertThat(o).isEmptyDirectory());
    }

    @Test
    void aBadExperimentIsTheCommandsMessage() {
        Replica replica = Replica.withDataRoot(dir);
        assertThatThrownBy(() -> replica.parse("replica: 1\nname: x\n"))
                .isInstanceOf(ExperimentException.class)
                .hasMessageContaining("missing required key");
    }
}
