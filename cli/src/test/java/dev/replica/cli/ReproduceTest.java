package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.replica.runner.TinyExperiment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replica reproduce}: a run made in one fresh JVM and reproduced in another comes out identical
 * (exit 0); a recorded run whose history does not match its reproduction is reported, after warnings
 * about the machine, with exit 4.
 */
class ReproduceTest {

    @TempDir
    Path dir;

    @Test
    void aRunReproducedInAFreshJvmIsIdenticalAndATamperedOneIsNot() throws Exception {
        Path original = FreshJvm.finishedTinyRun(dir);

        FreshJvm.Result again = FreshJvm.run(dir, "reproduce", original.toString());
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(again.out())
                .doesNotContain("warning:")
                .contains("Reproducing " + original + " in run folder "
                        + dir.resolve("runs").resolve("tiny"))
                .contains("\n  res/history.csv: identical\n  vgg/history.csv: identical\n"
                        + "  weights.sha256: identical (2 models)\nIdentical: every history.csv is byte-equal and "
                        + "weights.sha256 is equal (");
        try (Stream<Path> runs = Files.list(dir.resolve("runs").resolve("tiny"))) {
            assertThat(runs.toList()).hasSize(2); // a new folder; the original is untouched
        }

        // The same run with one history line changed and another oneDNN instruction-set cap recorded: the differing
        // native setting is warned about first, then the history
        // difference, exit 4.
        Path tampered = dir.resolve("tampered")
                .resolve("tiny")
                .resolve(original.getFileName().toString());
        TinyExperiment.copyTree(original, tampered);
        JsonObject manifest = JsonParser.parseString(Files.readString(tampered.resolve("manifest.json")))
                .getAsJsonObject();
        JsonObject engine = manifest.getAsJsonObject("engine");
        // A cap no candidate uses, so it differs from this JVM's whatever the probe chose.
        engine.addProperty("native.ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX");
        Files.writeString(tampered.resolve("manifest.json"), manifest.toString());
        Path history = tampered.resolve("vgg").resolve("history.csv");
        List<String> lines = Files.readAllLines(history);
        lines.set(2, lines.get(2).replaceFirst(",[^,]*$", ",0.123"));
        Files.write(history, lines);
        // In a fresh JVM, as the run was made: the probe chooses the same setting, so only the tampered line
        // differs (this test JVM's engines are pinned, and would differ everywhere).
        FreshJvm.Result tamperedAgain = FreshJvm.run(dir, "reproduce", tampered.toString());
        String text = tamperedAgain.out();
        assertThat(tamperedAgain.exit()).as(text + tamperedAgain.err()).isEqualTo(4);
        assertThat(text)
                .startsWith("warning: ")
                .contains("warning: engine.native.ONEDNN_MAX_CPU_ISA: recorded AVX512_CORE_AMX, now ")
                .contains("  vgg/history.csv: differs from line 3: recorded '" + lines.get(2) + "', now '")
                .contains("\nNot identical: ")
                .contains("see the warnings above for differences of machine or versions.");
        assertThat(text.indexOf("warning:")).isLessThan(text.indexOf("Reproducing"));

        // A run that has not finished cannot be reproduced.
        Path unfinished = dir.resolve("unfinished");
        TinyExperiment.copyTree(original, unfinished);
        Files.writeString(
                unfinished.resolve("manifest.json"),
                Files.readString(unfinished.resolve("manifest.json"))
                        .replace("\"weights.sha256\"", "\"weights.sha256.not\""));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReplicaCli.execute(
                new String[] {"reproduce", unfinished.toString()},
                Map.of(),
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("replica: " + unfinished + " has not finished: its "
                        + "manifest.json has no weights.sha256; finish it with 'replica run --resume " + unfinished
                        + "' first\n");
    }
}
