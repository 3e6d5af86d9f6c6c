package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.RunAssembly;
import dev.replica.runner.TinyExperiment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's instruction set goes with its folder: a fresh process whose {@code engine.isa: auto} would choose
 * another (here: the run's processes narrowed auto to sse41, the later ones do not) resumes, evaluates and
 * reproduces the run at the setting it trained at, so the numbers are the run's.
 */
class TrainedAtTest {

    private static final List<String> NARROWED = List.of("-Dreplica.isa.auto=sse41");

    @TempDir
    Path dir;

    @Test
    void aFreshProcessResumesEvaluatesAndReproducesARunAtTheSettingItTrainedAt() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 2);
        FreshJvm.Result whole = FreshJvm.run(dir, NARROWED, "run", file.toString(), "--out", "whole");
        assertThat(whole.exit()).as(whole.out() + whole.err()).isZero();
        Path uninterrupted = TinyExperiment.runFolder(dir, whole.out());
        assertThat(RunAssembly.trainedAt(uninterrupted).word()).isEqualTo("sse41");
        assertThat(Files.readString(uninterrupted.resolve("experiment.yaml"))).contains("isa: auto");

        Path killed = FreshJvm.killedAfterFirstEpoch(dir, file, NARROWED);
        FreshJvm.Result resumed = FreshJvm.run(dir, "run", "--resume", killed.toString());
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out() + resumed.err())
                .contains("instruction sets sse41", "the setting the run trained at")
                .doesNotContain("which this process cannot use");
        assertThat(RunAssembly.trainedAt(killed).word()).isEqualTo("sse41");
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(killed.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(uninterrupted.resolve(label).resolve("history.csv")));
        }
        assertThat(DeterminismTest.checksums(killed)).isEqualTo(DeterminismTest.checksums(uninterrupted));

        FreshJvm.Result eval = FreshJvm.run(dir, "eval", uninterrupted.toString());
        assertThat(eval.exit()).as(eval.out() + eval.err()).isZero();
        assertThat(eval.out()).contains("Same as ").doesNotContain("Differs");
        assertThat(eval.out() + eval.err()).contains("the setting the run trained at");

        FreshJvm.Result again = FreshJvm.run(dir, "reproduce", uninterrupted.toString(), "--out", "again");
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("Identical:").doesNotContain("warning:");
    }
}
