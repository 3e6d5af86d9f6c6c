package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.state.TensorFile;
import dev.replica.runner.TinyExperiment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run killed with SIGKILL after epoch 1 and continued with --resume trains only the epochs left and
 * ends exactly as an uninterrupted run. The control resumes with the momentum zeroed and must end
 * differently, so the comparison can tell.
 */
class ResumeTest {

    private static final int EPOCHS = 3;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aKilledRunResumesToTheSameResult(String engine) throws Exception {
        Path file = TinyExperiment.write(dir, engine, 0, EPOCHS);
        FreshJvm.Result whole = FreshJvm.run(dir, "run", file.toString(), "--out", "whole");
        assertThat(whole.exit()).as(whole.out() + whole.err()).isZero();
        Path uninterrupted = TinyExperiment.runFolder(dir, whole.out());

        Path killed = FreshJvm.killedAfterFirstEpoch(dir, file, List.of());
        Path control = dir.resolve("control");
        TinyExperiment.copyTree(killed, control);

        FreshJvm.Result resumed = FreshJvm.run(dir, "run", "--resume", killed.toString());
        assertThat(resumed.exit()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out())
                .doesNotContain("res epoch 1/" + EPOCHS)
                .contains("res epoch 2/" + EPOCHS, "res epoch 3/" + EPOCHS, "vgg epoch 1/" + EPOCHS);
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(killed.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(uninterrupted.resolve(label).resolve("history.csv")));
        }
        assertThat(DeterminismTest.checksums(killed)).isEqualTo(DeterminismTest.checksums(uninterrupted));

        // Control: the same resume without the momentum must not reproduce the run.
        Path optimizer = control.resolve("res").resolve("checkpoint").resolve("optimizer.bin");
        Map<String, TensorFile.Entry> zeroed = new LinkedHashMap<>();
        TensorFile.read(optimizer)
                .forEach((k, v) -> zeroed.put(k, new TensorFile.Entry(v.shape(), new float[v.values().length])));
        assertThat(zeroed).isNotEmpty();
        TensorFile.writeEntries(optimizer, zeroed);
        // Without its checksums the checkpoint is read as one from before them: the zeroed state is used.
        Files.delete(optimizer.resolveSibling("checksums.txt"));
        FreshJvm.Result tampered = FreshJvm.run(dir, "run", "--resume", control.toString());
        assertThat(tampered.exit()).as(tampered.out() + tampered.err()).isZero();
        assertThat(DeterminismTest.checksums(control)).isNotEqualTo(DeterminismTest.checksums(uninterrupted));
    }
}
