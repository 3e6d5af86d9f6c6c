package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The determinism claims hold on a machine whose kernels misbehave, proved on any machine with the
 * testkit's seam ({@code MisbehavingKernels}), each command in fresh JVMs with a verdict cache of its own:
 * the probe falls back from a native setting that differs per process or gives NaN (and names the kernel
 * fault), a run catches a fault that its probe missed and withdraws the verdict, and the quickstart's
 * path (run twice, then reproduce) ends bit-identical with the native kernels misbehaving.
 */
class KernelFaultTest {

    @TempDir
    Path dir;

    @Test
    void aNativeSettingThatDiffersPerProcessIsNotChosenAndTwoRunsAndAReproduceAreBitIdentical() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 2);
        FreshJvm.Result first = replica("native-noise", "run", file.toString(), "--out", "a");
        assertThat(first.exit()).as(first.out() + first.err()).isZero();
        Path a = TinyExperiment.runFolder(dir, first.out());
        JsonObject engine = engine(a);
        assertThat(engine.get("isa").getAsString()).isNotEqualTo("native");
        // On a machine whose real native kernels also misbehave (an AMD Zen 5), a NaN or an inexact step may
        // come before the seam's noise.
        assertThat(engine.get("determinism").getAsString())
                .containsPattern("native: (different bits \\(first difference in model res, step 0|a non-finite loss"
                        + "|float32 kernels that disagree with float64)")
                .contains("the first 3 steps of res, vgg (batch 16, seed 0)");
        assertThat(engine.get("determinism.bit_identical").getAsString()).isEqualTo("true");
        assertThat(engine.get("determinism.self_check.res").getAsString())
                .startsWith("the first 3 steps gave the probe's bits");
        assertThat(engine.get("determinism.self_check.vgg").getAsString())
                .startsWith("the first 3 steps gave the probe's bits");

        FreshJvm.Result second = replica("native-noise", "run", file.toString(), "--out", "b");
        assertThat(second.exit()).as(second.out() + second.err()).isZero();
        Path b = TinyExperiment.runFolder(dir, second.out());
        for (String label : List.of("res", "vgg")) {
            assertThat(Files.readString(b.resolve(label).resolve("history.csv")))
                    .isEqualTo(Files.readString(a.resolve(label).resolve("history.csv")));
        }
        FreshJvm.Result reproduce = replica("native-noise", "reproduce", a.toString());
        assertThat(reproduce.exit()).as(reproduce.out() + reproduce.err()).isZero();
        assertThat(reproduce.out()).contains("identical");
    }

    @Test
    void aNonFiniteNativeStepIsAKernelFaultAndTheNextSettingTrains() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        FreshJvm.Result r = replica("native-nan", "run", file.toString(), "--out", "a");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonObject engine = engine(TinyExperiment.runFolder(dir, r.out()));
        assertThat(engine.get("isa").getAsString()).isNotEqualTo("native");
        assertThat(engine.get("determinism").getAsString())
                .contains("native: a non-finite loss (model res: loss NaN at step 0)")
                .contains("a kernel fault: native");
    }

    @Test
    void aFaultTheProbeMissesIsCaughtByTheRunItselfAndItsVerdictWithdrawn() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        FreshJvm.Result first = replica("unprobed-noise", "run", file.toString(), "--out", "a");
        assertThat(first.exit()).as(first.out() + first.err()).isEqualTo(2);
        String isa =
                between(first.out() + first.err(), "with instruction sets ", " is not bit-identical here after all");
        assertThat(first.err())
                .contains("is not bit-identical here after all: this run's model res, step 0:")
                .contains("The verdict was withdrawn, so the next run probes the next instruction set")
                .doesNotContain("\tat ");

        // The next process does not trust the withdrawn verdict: it moves on to another setting (whose run
        // the seam fails again), or, where no other setting is left, refuses to claim bit-identity.
        FreshJvm.Result second = replica("unprobed-noise", "run", file.toString(), "--out", "b");
        assertThat(second.exit()).as(second.out() + second.err()).isEqualTo(2);
        assertThat(second.err())
                .contains(isa + ": different bits (withdrawn: this run's model res, step 0")
                .doesNotContain("with instruction sets " + isa + " is not bit-identical here after all");
        assertThat(second.err()).containsAnyOf("is not bit-identical here after all", "is not bit-reproducible");
    }

    @Test
    void aKernelThatIsWrongTheSameWayInEveryProcessIsRefusedAsInexact() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        FreshJvm.Result r = replica("float32-wrong-pytorch", "run", file.toString(), "--out", "a");
        // Both processes agree to the bit at every setting; only the float64 twin shows the fault.
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err())
                .contains("is not bit-reproducible on this machine")
                .containsPattern(
                        "float32 kernels that disagree with float64 \\(model res: float32 is [0-9.]+ away from "
                                + "float64 \\(relative, the gradient of \\w+ at step 0\\), more than float32 rounding explains")
                .doesNotContain("bit-identical (")
                .doesNotContain("\tat ");
        if (Files.exists(dir.resolve("a"))) {
            try (var written = Files.walk(dir.resolve("a"))) {
                assertThat(written.filter(f -> f.endsWith("history.csv"))).isEmpty();
            }
        }
    }

    private FreshJvm.Result replica(String fault, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "jvm", ".out");
        ProcessBuilder pb = FreshJvm.builder(
                dir, log, List.of("-Dreplica.test.fault=" + fault), "dev.replica.cli.ReplicaCli", args);
        pb.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("replica " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new FreshJvm.Result(
                p.exitValue(),
                Files.readString(log, StandardCharsets.UTF_8),
                Files.readString(log.resolveSibling(log.getFileName() + ".err"), StandardCharsets.UTF_8));
    }

    private static JsonObject engine(Path run) throws IOException {
        return JsonParser.parseString(Files.readString(run.resolve("manifest.json"), StandardCharsets.UTF_8))
                .getAsJsonObject()
                .getAsJsonObject("engine");
    }

    private static String between(String text, String before, String after) {
        int from = text.indexOf(before);
        int to = text.indexOf(after, from);
        assertThat(from).as(text).isNotNegative();
        assertThat(to).as(text).isGreaterThan(from);
        return text.substring(from + before.length(), to);
    }
}
