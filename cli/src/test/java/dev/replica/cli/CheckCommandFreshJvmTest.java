package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replica check} in a fresh JVM, as the launcher runs it: a model that diverges makes the process
 * exit with status 3, distinct from a user error's 2. (Here, not in the check package, for
 * {@link FreshJvm}; the other exit statuses are tested in-process by {@code check.CheckCommandTest}.)
 */
class CheckCommandFreshJvmTest {

    @TempDir
    Path dir;

    /** The tiny ResNet's experiment with a check section, run by check in a fresh JVM. */
    private FreshJvm.Result check(String name, String... check) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        List<String> lines = new ArrayList<>(List.of(
                "replica: 1",
                "name: " + name,
                "engine: {plugin: pytorch, threads: 2}",
                "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                "models:",
                "  res: {plugin: resnet, params: {depth: 18, width: 2, classes: 4}}",
                "optimizer: {plugin: sgd, params: {lr: 0.05}}",
                "schedule: {plugin: constant}",
                "training: {epochs: 1, batch_size: 16}"));
        lines.addAll(List.of(check));
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return FreshJvm.run(dir, "check", file.toString(), "--out", "runs");
    }

    @Test
    void aDivergedModelMakesTheProcessExitWithStatusThree() throws Exception {
        FreshJvm.Result r = check(
                "diverging",
                "# After one update the two engines' weights differ in their last bits: a band of 0 cannot hold.",
                "check: {steps: 1, rerun: false, tolerances: [{metric: params, absolute: 0}]}");

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("res: diverged at step 0 (params: ");
        assertThat(r.err()).doesNotContain("Exception");
    }

    @Test
    void theNoiseFloorCheckPrintsNoNativeWarning() throws Exception {
        // The default bands: float32 and float64 replays.
        FreshJvm.Result r = check("floor", "check: {steps: 2, rerun: false}");

        assertThat(r.out()).contains("res: ");
        // libtorch's NNPACK warns where it does not support the processor (an AMD Zen 5), on every
        // convolution oneDNN does not take (float64's): nothing a user can act on.
        assertThat(r.err()).doesNotContain("NNPACK", "AutoNonVariableTypeMode");
    }
}
