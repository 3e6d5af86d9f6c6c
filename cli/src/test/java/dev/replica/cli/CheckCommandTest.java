package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.check.TinyCheck;
import dev.replica.report.Report;
import dev.replica.runner.TinyExperiment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replica check} in this JVM: the exit status follows the verdicts (0 when every model agrees, 3
 * when one diverged) and stays 2 for a user error, which prints one message and no stack trace. The
 * same in a fresh JVM: {@link CheckCommandFreshJvmTest}.
 */
class CheckCommandTest {

    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {}

    private Result check(String yaml, String... more) throws Exception {
        Path file = TinyCheck.write(dir, yaml);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = new String[3 + more.length + 2];
        args[0] = "check";
        args[1] = file.toString();
        System.arraycopy(more, 0, args, 2, more.length);
        args[2 + more.length] = "--out";
        args[3 + more.length] = dir.resolve("runs").toString();
        args = Arrays.copyOf(args, 4 + more.length);
        int exit = ReplicaCli.execute(
                args,
                TinyExperiment.env(dir.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void exitsZeroWhenEveryModelAgrees() throws Exception {
        Result r = check(TinyCheck.yaml("engines: [pytorch, pytorch]", "steps: 1", "rerun: false", "tolerances: []"));

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("Check folder ", "res: identical\n", "vgg: identical\n", "Wrote ");
        Path folder = Path.of(r.out()
                .lines()
                .filter(l -> l.startsWith("Check folder "))
                .findFirst()
                .orElseThrow()
                .substring("Check folder ".length()));
        assertThat(folder.resolve("check.md")).exists();
        assertThat(folder.resolve("check.csv"))
                .hasContent("level,model,verdict,step,metric,detail\noperator,res,identical,,,\n"
                        + "operator,vgg,identical,,,");
        assertThat(Files.readString(folder.resolve("experiment.yaml")))
                .endsWith("check:\n  engines: [pytorch, pytorch]\n  steps: 1\n  record_params_every: 1\n"
                        + "  rerun: false\n  tolerances: []\n");
        assertThat(folder.resolve("manifest.json")).content().contains("\"verdict\": \"identical\"");
    }

    @Test
    void exitsThreeWhenAModelDiverged() throws Exception {
        // After one update the engines' weights differ in the last bits: no band of 0 holds.
        Result r = check(TinyCheck.yaml("steps: 1", "rerun: false", "tolerances: [{metric: params, absolute: 0}]"));

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("res: diverged at step 0 (params: ", "vgg: diverged at step 0 (params: ");
    }

    @Test
    void exitsTwoWithOneMessageForAProblemOfTheCheckSection() throws Exception {
        Result r = check(TinyCheck.yaml("steps: 0"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .endsWith(dir.resolve("tiny-check.yaml") + ": 1 problem\n"
                        + "  check.steps (13:10): 0 is out of range; allowed: >= 1 and <= 1000000\n")
                .hasLineCount(2);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void exitsTwoWhenTheOtherEngineCannotTakeTheEngineSectionNamedOrByDefault() throws Exception {
        // channels_last is a PyTorch layout: the MXNet side would run contiguous while its manifest said otherwise.
        String channelsLast = "engine: {plugin: pytorch, threads: 2, device: cpu, memory_format: channels_last}";
        Result named = check(TinyCheck.yaml("engines: [pytorch, mxnet]")
                .replace("engine: {plugin: pytorch, threads: 2, device: cpu}", channelsLast));
        assertThat(named.exit()).isEqualTo(2);
        assertThat(named.err())
                .contains("check.engines[1] (13:22): the engine section's parameters do not fit engine 'mxnet': "
                        + "memory_format: 'channels_last' is not allowed; allowed: ['contiguous']");
        Result byDefault = check(
                TinyCheck.yaml("steps: 1").replace("engine: {plugin: pytorch, threads: 2, device: cpu}", channelsLast));
        assertThat(byDefault.exit()).isEqualTo(2);
        assertThat(byDefault.err())
                .contains("check.engines (default [pytorch, mxnet])", "do not fit engine 'mxnet'", "channels_last");
        assertThat(named.out() + byDefault.out()).doesNotContain("Check folder");
    }

    @Test
    void exitsTwoWhenTheCheckAsksForMoreStepsThanTheRunTrainsAndLeavesNoFolder() throws Exception {
        Result r = check(TinyCheck.yaml("steps: 13"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("replica: " + dir.resolve("tiny-check.yaml") + ": check.steps is 13, but the run "
                        + "trains only 12 steps (training.epochs 4 x 3 steps of 16 of the 48 training examples); allowed: at "
                        + "most 12, or raise training.epochs\n");
        assertThat(r.out()).doesNotContain("Check folder");
        assertThat(dir.resolve("runs")).doesNotExist();
    }

    @Test
    void setOverridesTheCheckSectionFromTheCommandLine() throws Exception {
        Result r = check(
                TinyCheck.yaml("steps: 1", "rerun: false", "tolerances: [{metric: params, absolute: 0}]"),
                "--set",
                "check.engines=[mxnet, mxnet]");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("res: identical\n");
    }

    @Test
    void exitsSixWhenTwoSeedsCannotTellWhetherTheOutcomesAgree() throws Exception {
        Result r = check(TinyCheck.yaml(
                "steps: 1",
                "rerun: false",
                "tolerances: [{metric: update, noise_floor: 100}]",
                "outcome: {seeds: 2, epochs: 1, margins: {eval_accuracy: 0.5}}"));

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(6); // CheckCommand.UNDECIDED
        assertThat(r.out())
                .contains(
                        "res: within tolerance\n",
                        "res outcome, eval_accuracy: not enough seeds to tell: difference ",
                        "; at least 3 seeds per engine are needed to estimate the spread\n");
        Path folder = Path.of(r.out()
                .lines()
                .filter(l -> l.startsWith("Check folder "))
                .findFirst()
                .orElseThrow()
                .substring("Check folder ".length()));
        assertThat(Files.readString(folder.resolve("check.csv")))
                .contains("\noutcome,res,not enough seeds to tell,,eval_accuracy,");
        assertThat(Files.readString(folder.resolve("res/outcomes.csv")).lines())
                .first()
                .isEqualTo("side,seed,eval_loss,eval_accuracy");
        assertThat(Files.readString(folder.resolve("res/outcomes.csv")).lines()).hasSize(5);
        assertThat(folder.resolve("res/outcome-eval_accuracy.png")).exists();
        assertThat(Files.readString(folder.resolve("check.md")))
                .contains(
                        "Outcome level (do the engines reach the same result?)", "| res | eval_accuracy | not enough");
        // The run's report shows both levels' verdicts and plots.
        Report.write(folder);
        assertThat(Files.readString(folder.resolve("report.html")))
                .contains(
                        "Cross-engine check, operator level: each step against the noise floor",
                        "Cross-engine check, outcome level: final results over seeds",
                        "not enough seeds to tell");
        assertThat(folder.resolve("plots/res-noise-floor.png")).exists();
        assertThat(folder.resolve("plots/res-outcome-eval_loss.png")).exists();
    }

    @Test
    void exitsZeroWhenThreeSeedsShowTheOutcomesWithinTheMargins() throws Exception {
        Result r = check(TinyCheck.yaml(
                "steps: 1",
                "rerun: false",
                "tolerances: [{metric: update, noise_floor: 100}]",
                "outcome: {seeds: 3, epochs: 1, margins: {eval_accuracy: 0.9, eval_loss: 5}}"));

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .contains(
                        "res outcome, eval_accuracy: equivalent: difference ",
                        "res outcome, eval_loss: equivalent: difference ",
                        "vgg outcome, eval_loss: equivalent: difference ",
                        "(90% CI ");
    }
}
