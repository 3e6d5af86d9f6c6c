package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
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

    @Test
    void aChannelsLastRunIsBitIdenticalInAFreshJvmAndEvaluatesToItsSummary() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 2);
        Path first = run(file, "a", "--set", "engine.memory_format=channels_last");
        Path second = run(file, "b", "--set", "engine.memory_format=channels_last");
        for (String label : new String[] {"res", "vgg"}) {
            assertThat(Files.readString(second.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(first.resolve(label).resolve("history.csv")));
        }
        assertThat(checksums(second)).isEqualTo(checksums(first));
        JsonObject engine = JsonParser.parseString(Files.readString(first.resolve("manifest.json")))
                .getAsJsonObject()
                .getAsJsonObject("engine");
        assertThat(engine.get("memory_format").getAsString()).isEqualTo("channels_last");
        assertThat(engine.get("determinism.bit_identical").getAsString()).isEqualTo("true");
        assertThat(Files.readString(first.resolve("experiment.yaml"))).contains("memory_format: channels_last");

        FreshJvm.Result eval = FreshJvm.run(dir, "eval", first.toString());
        assertThat(eval.exit()).as(eval.out() + eval.err()).isZero();
        assertThat(eval.out()).contains("Same as ").doesNotContain("Differs");

        // MXNet reads NCHW only: the key is refused before anything runs, naming what is allowed.
        FreshJvm.Result mxnet = FreshJvm.run(
                dir,
                "run",
                TinyExperiment.write(dir, "mxnet", 0, 2).toString(),
                "--set",
                "engine.memory_format=channels_last",
                "--out",
                "m");
        assertThat(mxnet.exit()).isEqualTo(2);
        assertThat(mxnet.err())
                .contains("memory_format", "channels_last", "contiguous")
                .doesNotContain("\tat ");
        assertThat(dir.resolve("m")).doesNotExist();
    }

    private Path run(Path file, String out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", file.toString(), "--out", out));
        args.addAll(List.of(extra));
        FreshJvm.Result r = FreshJvm.run(dir, args.toArray(String[]::new));
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
