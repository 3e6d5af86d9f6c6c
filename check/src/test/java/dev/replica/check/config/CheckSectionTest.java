package dev.replica.check.config;

import static dev.replica.runner.config.StudyFile.LABEL;
import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.one;
import static dev.replica.runner.config.StudyFile.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The optional {@code check} section: defaults, what it reads, every problem with its place, writing it back. */
class CheckSectionTest {

    /** The study file with a check section from line 12 on. */
    private static String withCheck(String... lines) {
        return TEXT + String.join("\n", lines) + "\n";
    }

    @Test
    void aFileWithoutACheckSectionHasNoneAndTheCheckUsesTheDefaults() {
        Experiment e = load(TEXT);

        assertThat(e.section(CheckSection.SECTION).orElse(null)).isNull();
        // The experiment's engine is the reference, against the first other engine plugin there is.
        assertThat(Check.defaults(Check.defaultEngines(e.engine().plugin(), List.of("mxnet", "pytorch"))))
                .isEqualTo(new Check(
                        List.of("pytorch", "mxnet"),
                        OptionalInt.empty(),
                        1,
                        true,
                        List.of(
                                new Tolerance("loss", Tolerance.Bound.NOISE_FLOOR, 100, null),
                                new Tolerance("update", Tolerance.Bound.NOISE_FLOOR, 100, null),
                                new Tolerance("running_mean", Tolerance.Bound.NOISE_FLOOR, 100, null))));
        assertThat(Check.defaultEngines("mxnet", List.of("mxnet", "pytorch"))).containsExactly("mxnet", "pytorch");
        assertThat(Check.defaultEngines("pytorch", List.of("pytorch"))).containsExactly("pytorch");
    }

    @Test
    void anEmptyCheckSectionTakesEveryDefault() {
        Check defaults = Check.defaults(List.of("pytorch", "mxnet"));
        assertThat(load(withCheck("check:")).section(CheckSection.SECTION).orElse(null))
                .isEqualTo(defaults);
        assertThat(load(withCheck("check: {}")).section(CheckSection.SECTION).orElse(null))
                .isEqualTo(defaults);
    }

    @Test
    void readsEveryKey() {
        Experiment e = load(withCheck(
                "check:",
                "  engines: [mxnet, pytorch]",
                "  steps: 30",
                "  record_params_every: 5",
                "  rerun: false",
                "  tolerances:",
                "    - {metric: loss, relative: 1.0e-3, steps: [0, 20]}",
                "    - {metric: accuracy, absolute: 0.05}",
                "    - {metric: eval_accuracy, absolute: 2.0e-2}",
                "    - {metric: update, noise_floor: 100, steps: [0, 9]}",
                "  outcome: {seeds: 5, epochs: 2, margins: {eval_loss: 0.1, eval_accuracy: 0.03}}"));

        assertThat(e.section(CheckSection.SECTION).orElse(null))
                .isEqualTo(new Check(
                        List.of("mxnet", "pytorch"),
                        OptionalInt.of(30),
                        5,
                        false,
                        List.of(
                                new Tolerance("loss", Tolerance.Bound.RELATIVE, 1.0e-3, new Tolerance.StepRange(0, 20)),
                                new Tolerance("accuracy", Tolerance.Bound.ABSOLUTE, 0.05, null),
                                new Tolerance("eval_accuracy", Tolerance.Bound.ABSOLUTE, 0.02, null),
                                new Tolerance(
                                        "update", Tolerance.Bound.NOISE_FLOOR, 100, new Tolerance.StepRange(0, 9))),
                        Optional.of(new OutcomeCheck(
                                5,
                                OptionalInt.of(2),
                                new TreeMap<>(Map.of("eval_loss", 0.1, "eval_accuracy", 0.03)),
                                0.05))));
    }

    @Test
    void allowsOneEngineTwiceAndAnEmptyListOfBandsWhichDemandsIdentity() {
        Check check = load(withCheck("check: {engines: [pytorch, pytorch], tolerances: []}"))
                .section(CheckSection.SECTION)
                .orElse(null);

        assertThat(check.engines()).containsExactly("pytorch", "pytorch");
        assertThat(check.tolerances()).isEmpty();
    }

    @Test
    void setOverridesReachTheSection() {
        Experiment e = load(
                withCheck("check: {tolerances: [{metric: loss, relative: 1.0e-3}]}"),
                "check.steps=7",
                "check.tolerances[0].relative=0.01",
                "check.engines=[mxnet, mxnet]");

        assertThat(e.section(CheckSection.SECTION).orElse(null).steps()).hasValue(7);
        assertThat(e.section(CheckSection.SECTION)
                        .orElse(null)
                        .tolerances()
                        .get(0)
                        .limit())
                .isEqualTo(0.01);
        assertThat(e.section(CheckSection.SECTION).orElse(null).engines()).containsExactly("mxnet", "mxnet");
        assertThat(load(TEXT, "check.rerun=false")
                        .section(CheckSection.SECTION)
                        .orElse(null)
                        .rerun())
                .isFalse();
        Experiment both = load(withCheck("check: {outcome: {seeds: 3, margins: {eval_loss: 0.1}}}"));
        assertThat(both.section(CheckSection.SECTION).orElse(null).outcome()).isPresent();
        assertThat(load(withCheck("check: {outcome: {seeds: 3, margins: {eval_loss: 0.1}}}"), "check.outcome=null")
                        .section(CheckSection.SECTION)
                        .orElse(null)
                        .outcome())
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            a section that is not a mapping | check: yes                                  | check (12:8): true is not a mapping; allowed: a mapping with keys [engines, steps, record_params_every, rerun, tolerances, outcome]
            an unknown key with a suggestion | check: {step: 3}                           | check.step (12:9): unknown key; did you mean 'steps'?
            engines that are not a list     | check: {engines: pytorch}                   | check.engines (12:18): 'pytorch' is not a list; allowed: two engine plugins from [mxnet, pytorch], e.g. [pytorch, mxnet]
            one engine                      | check: {engines: [pytorch]}                 | check.engines (12:18): ['pytorch'] has 1 engine; allowed: two engine plugins from [mxnet, pytorch], e.g. [pytorch, mxnet]
            three engines                   | check: {engines: [pytorch, mxnet, mxnet]}   | check.engines (12:18): ['pytorch', 'mxnet', 'mxnet'] has 3 engines; allowed: two engine plugins from [mxnet, pytorch], e.g. [pytorch, mxnet]
            an unknown engine               | check: {engines: [pytorch, mxnt]}           | check.engines[1] (12:28): unknown engine plugin 'mxnt'; available: [mxnet, pytorch]; did you mean 'mxnet'?
            steps below one                 | check: {steps: 0}                           | check.steps (12:16): 0 is out of range; allowed: >= 1 and <= 1000000
            steps that are not an integer   | check: {steps: many}                        | check.steps (12:16): 'many' is not an integer
            a zero parameter interval       | check: {record_params_every: 0}             | check.record_params_every (12:30): 0 is out of range; allowed: >= 1 and <= 1000000
            a rerun that is not a boolean   | check: {rerun: maybe}                       | check.rerun (12:16): 'maybe' is not a boolean (true or false)
            tolerances that are not a list  | check: {tolerances: loss}                   | check.tolerances (12:21): 'loss' is not a list; allowed: a list of {metric: <one of [loss, accuracy, param_norm, params, buffers, eval_loss, eval_accuracy, eval_loss_aligned, eval_accuracy_aligned, update, running_mean, running_var]>, absolute or relative: <number >= 0> (or noise_floor: <factor >= 1>), steps: [<first>, <last>] with 0 <= first <= last (optional)}, or [] to demand bit-identity
            a band that is not a mapping    | check: {tolerances: [loss]}                 | check.tolerances[0] (12:22): 'loss' is not a mapping; allowed: {metric: <one of [loss, accuracy, param_norm, params, buffers, eval_loss, eval_accuracy, eval_loss_aligned, eval_accuracy_aligned, update, running_mean, running_var]>, absolute or relative: <number >= 0> (or noise_floor: <factor >= 1>), steps: [<first>, <last>] with 0 <= first <= last (optional)}
            an unknown metric               | check: {tolerances: [{metric: los, relative: 0.1}]} | check.tolerances[0].metric (12:31): 'los' is not allowed; allowed: ['loss', 'accuracy', 'param_norm', 'params', 'buffers', 'eval_loss', 'eval_accuracy', 'eval_loss_aligned', 'eval_accuracy_aligned', 'update', 'running_mean', 'running_var']
            a band without a metric         | check: {tolerances: [{relative: 0.1}]}      | check.tolerances[0].metric (12:22): missing required key; allowed: ['loss', 'accuracy', 'param_norm', 'params', 'buffers', 'eval_loss', 'eval_accuracy', 'eval_loss_aligned', 'eval_accuracy_aligned', 'update', 'running_mean', 'running_var']
            a band without a bound          | check: {tolerances: [{metric: loss}]}       | check.tolerances[0] (12:22): missing key absolute, relative or noise_floor; allowed: one of them (absolute or relative a number >= 0, noise_floor a factor >= 1)
            a band with both bounds         | check: {tolerances: [{metric: loss, relative: 0.1, absolute: 0.1}]} | check.tolerances[0].absolute (12:52): give one of absolute, relative or noise_floor, not both
            a negative bound                | check: {tolerances: [{metric: loss, absolute: -1}]} | check.tolerances[0].absolute (12:47): -1 is out of range; allowed: >= 0
            a range of one step             | check: {tolerances: [{metric: loss, relative: 0.1, steps: [3]}]} | check.tolerances[0].steps (12:59): [3] is not allowed; allowed: [<first>, <last>] with 0 <= first <= last
            a range backwards               | check: {tolerances: [{metric: loss, relative: 0.1, steps: [5, 2]}]} | check.tolerances[0].steps (12:59): [5, 2] is not allowed; allowed: [<first>, <last>] with 0 <= first <= last
            a negative step                 | check: {tolerances: [{metric: loss, relative: 0.1, steps: [-1, 2]}]} | check.tolerances[0].steps[0] (12:60): -1 is out of range; allowed: >= 0 and <= 1000000
            a range after the last step     | check: {steps: 10, tolerances: [{metric: loss, relative: 0.1, steps: [10, 20]}]} | check.tolerances[0].steps (12:70): [10, 20] starts after the last compared step, 9 (check.steps is 10)
            a range on a final metric       | check: {tolerances: [{metric: eval_loss, relative: 0.1, steps: [0, 2]}]} | check.tolerances[0].steps (12:64): eval_loss is measured once, after the last step; allowed: no steps
            a noise floor on the weights    | check: {tolerances: [{metric: params, noise_floor: 100}]} | check.tolerances[0].noise_floor (12:39): params takes absolute or relative; noise_floor is allowed for [loss, update, running_mean, running_var]
            an update band not on the floor | check: {tolerances: [{metric: update, relative: 0.1}]} | check.tolerances[0].relative (12:39): update is measured on steps replayed from one state, against the noise floor; allowed: noise_floor: <factor >= 1>
            a noise-floor factor below one  | check: {tolerances: [{metric: loss, noise_floor: 0.5}]} | check.tolerances[0].noise_floor (12:50): 0.5 is out of range; allowed: >= 1
            three bounds                    | check: {tolerances: [{metric: loss, relative: 0.1, absolute: 1, noise_floor: 10}]} | check.tolerances[0].absolute (12:52): give one of absolute, relative or noise_floor, not several
            an outcome that is not a mapping | check: {outcome: 5}                        | check.outcome (12:18): 5 is not a mapping; allowed: a mapping with keys [seeds, epochs, margins, alpha], e.g. {seeds: 5, epochs: 3, margins: {eval_accuracy: 0.03}}
            an outcome without seeds        | check: {outcome: {margins: {eval_accuracy: 0.03}}} | check.outcome.seeds (12:18): missing required key; allowed: >= 1 and <= 1000
            zero seeds                      | check: {outcome: {seeds: 0, margins: {eval_accuracy: 0.03}}} | check.outcome.seeds (12:26): 0 is out of range; allowed: >= 1 and <= 1000
            zero epochs                     | check: {outcome: {seeds: 3, epochs: 0, margins: {eval_accuracy: 0.03}}} | check.outcome.epochs (12:37): 0 is out of range; allowed: >= 1 and <= 100000
            an outcome without margins      | check: {outcome: {seeds: 3}}                | check.outcome (12:18): missing key margins; allowed: a mapping from [eval_accuracy, eval_loss] to a number > 0, e.g. {eval_accuracy: 0.03}
            empty margins                   | check: {outcome: {seeds: 3, margins: {}}}   | check.outcome.margins (12:38): {} is not allowed; allowed: a mapping from [eval_accuracy, eval_loss] to a number > 0, e.g. {eval_accuracy: 0.03}
            a margin on an unknown metric   | check: {outcome: {seeds: 3, margins: {accuracy: 0.03}}} | check.outcome.margins.accuracy (12:39): unknown key; allowed: [eval_accuracy, eval_loss]
            a margin of zero                | check: {outcome: {seeds: 3, margins: {eval_loss: 0}}} | check.outcome.margins.eval_loss (12:50): 0 is out of range; allowed: > 0
            an alpha of one half            | check: {outcome: {seeds: 3, alpha: 0.5, margins: {eval_loss: 1}}} | check.outcome.alpha (12:36): 0.5 is out of range; allowed: > 0 and < 0.5
            an unknown outcome key          | check: {outcome: {seeds: 3, margin: 1, margins: {eval_loss: 1}}} | check.outcome.margin (12:29): unknown key; did you mean 'margins'?
            """)
    void reportsAProblemWithItsPathPositionAndWhatIsAllowed(String what, String line, String expected) {
        assertThat(problems(withCheck(line))).isEqualTo(one(expected));
    }

    @Test
    void reportsAMisspeltBoundAsUnknownAndTheBoundAsMissing() {
        assertThat(problems(withCheck("check: {tolerances: [{metric: loss, relativ: 0.1}]}")))
                .isEqualTo(LABEL
                        + ": 2 problems\n"
                        + "  check.tolerances[0] (12:22): missing key absolute, relative or noise_floor; allowed: one of them (absolute or relative a number >= 0, noise_floor a factor >= 1)\n"
                        + "  check.tolerances[0].relativ (12:37): unknown key; did you mean 'relative'?");
    }

    @Test
    void reportsEveryProblemOfTheSectionAtOnceInFileOrder() {
        String text = withCheck(
                "check:",
                "  engines: [pytorch, jax]",
                "  steps: -3",
                "  tolerances:",
                "    - {metric: loss}",
                "    - {metric: params, relative: 1.0e-2, steps: [4, 1]}");

        assertThat(problems(text))
                .isEqualTo(
                        LABEL + ": 4 problems\n"
                                + "  check.engines[1] (13:22): unknown engine plugin 'jax'; available: [mxnet, pytorch]\n"
                                + "  check.steps (14:10): -3 is out of range; allowed: >= 1 and <= 1000000\n"
                                + "  check.tolerances[0] (16:7): missing key absolute, relative or noise_floor; allowed: one of them (absolute or relative a number >= 0, noise_floor a factor >= 1)\n"
                                + "  check.tolerances[1].steps (17:49): [4, 1] is not allowed; allowed: [<first>, <last>] with 0 <= first <= last");
    }

    @Test
    void writesTheSectionWithItsDefaultsAndLoadsItBack() {
        Experiment e = load(withCheck(
                "check:",
                "  steps: 12",
                "  tolerances:",
                "    - {metric: loss, relative: 1.0e-3, steps: [0, 5]}",
                "    - {metric: params, absolute: 0.5}",
                "    - {metric: update, noise_floor: 100}",
                "  outcome: {seeds: 3, margins: {eval_accuracy: 0.03}}"));

        String yaml = ExperimentWriter.toYaml(e);

        assertThat(yaml).endsWith("""
                training:
                  epochs: 100
                  batch_size: 128
                  eval_batch_size: 128
                check:
                  engines: [pytorch, mxnet]
                  steps: 12
                  record_params_every: 1
                  rerun: true
                  tolerances:
                  - {metric: loss, relative: 0.001, steps: [0, 5]}
                  - {metric: params, absolute: 0.5}
                  - {metric: update, noise_floor: 100}
                  outcome:
                    seeds: 3
                    margins: {eval_accuracy: 0.03}
                    alpha: 0.05
                """);
        assertThat(load(yaml)).isEqualTo(e);
    }

    @Test
    void writesAnEmptyListOfBandsAndLeavesOutStepsWhenTheFileLeavesThemToTheData() {
        Experiment e = load(withCheck("check: {tolerances: []}"));

        String yaml = ExperimentWriter.toYaml(e);

        assertThat(yaml).endsWith("""
                check:
                  engines: [pytorch, mxnet]
                  record_params_every: 1
                  rerun: true
                  tolerances: []
                """);
        assertThat(load(yaml)).isEqualTo(e);
    }
}
