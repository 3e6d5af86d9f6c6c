package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One experiment, one seed, two fresh JVMs at the shipped default of 2 threads, on each engine:
 * byte-identical history and identical weights.
 */
class DeterminismTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aRerunInAFreshJvmIsBitIdentical(String engine) throws Exception {
        Path file = TinyExperiment.write(dir, engine, 0, 2);
        Path first = run(file, "a");
        Path second = run(file, "b");
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(second.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(first.resolve(label).resolve("history.csv")))
                    .contains("epoch,lr,train_loss,train_acc,val_loss,val_acc")
                    .hasLineCount(3);
        }
        assertThat(checksums(second)).isEqualTo(checksums(first));
        assertThat(Files.readString(second.resolve("summary.csv")))
                .isEqualTo(Files.readString(first.resolve("summary.csv")));

        // Another seed: other weights (and, checked in-process by TrainingSetupTest, another order).
        Path other = run(TinyExperiment.write(dir, engine, 1, 2), "c");
        assertThat(checksums(other)).isNotEqualTo(checksums(first));
    }

    private Path run(Path file, String out) throws Exception {
        FreshJvm.Result r = FreshJvm.run(dir, "run", file.toString(), "--out", out);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        // libtorch's once-per-process deprecation warning is spent unseen when the engine loads.
        assertThat(r.err()).doesNotContain("AutoNonVariableTypeMode");
        return TinyExperiment.runFolder(dir, r.out());
    }

    static String checksums(Path runFolder) throws Exception {
        return JsonParser.parseString(Files.readString(runFolder.resolve("manifest.json"), StandardCharsets.UTF_8))
                .getAsJsonObject()
                .get("weights.sha256")
                .toString();
    }
}
