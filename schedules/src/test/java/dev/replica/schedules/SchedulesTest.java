package dev.replica.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.params.ParameterProblem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulesTest {

    private static final ScheduleContext CONTEXT = new ScheduleContext(0.1, 100, 391);

    private static LearningRateSchedule create(SchedulePlugin plugin, Map<String, Object> params) {
        return plugin.create(plugin.schema().validate(params).orElseThrow(), CONTEXT);
    }

    @Test
    void multiStepMatchesPyTorchsMultiStepLrSteppedPerEpoch() {
        LearningRateSchedule s = create(new MultiStepPlugin(), Map.of("milestones", List.of(50, 75), "gamma", 0.1));
        assertThat(s.rate(1, 0)).isEqualTo(0.1);
        assertThat(s.rate(50, 390)).isEqualTo(0.1);
        assertThat(s.rate(51, 0)).isCloseTo(0.01, within(1e-15));
        assertThat(s.rate(75, 0)).isCloseTo(0.01, within(1e-15));
        assertThat(s.rate(76, 0)).isCloseTo(0.001, within(1e-15));
        assertThat(s.rate(100, 0)).isCloseTo(0.001, within(1e-15));
    }

    @Test
    void multiStepRejectsMilestonesThatDoNotIncrease() {
        assertThat(new MultiStepPlugin()
                        .schema()
                        .validate(Map.of("milestones", List.of(75, 50)))
                        .problems())
                .containsExactly(new ParameterProblem(
                        "milestones", "[75, 50] is not allowed; allowed: strictly increasing epochs"));
    }

    /** He et al. 2016: 0.1, divided by 10 at 32k and 48k iterations; 391 steps an epoch here. */
    @Test
    void multiStepInIterationsChangesTheRateAtTheStepAfterTheMilestone() {
        LearningRateSchedule s =
                create(new MultiStepPlugin(), Map.of("milestones", List.of(32000, 48000), "unit", "iterations"));
        // 32,000 steps are done at epoch 82, step 329 (81 * 391 + 329 = 32,000).
        assertThat(s.rate(82, 328)).isEqualTo(0.1);
        assertThat(s.rate(82, 329)).isCloseTo(0.01, within(1e-15));
        // 48,000 = 122 * 391 + 298.
        assertThat(s.rate(123, 297)).isCloseTo(0.01, within(1e-15));
        assertThat(s.rate(123, 298)).isCloseTo(0.001, within(1e-15));
    }

    /** ResNet-110's start: 400 iterations at 0.01 (391 + 9), then 0.1; the epoch milestones as before. */
    @Test
    void theWarmUpTrainsTheFirstIterationsAtAFractionOfTheBaseRate() {
        LearningRateSchedule s = create(
                new MultiStepPlugin(),
                Map.of("milestones", List.of(50), "warmup_iterations", 400, "warmup_factor", 0.1));
        assertThat(s.rate(1, 0)).isCloseTo(0.01, within(1e-15));
        assertThat(s.rate(2, 8)).isCloseTo(0.01, within(1e-15));
        assertThat(s.rate(2, 9)).isEqualTo(0.1);
        assertThat(s.rate(51, 0)).isCloseTo(0.01, within(1e-15));
    }

    @Test
    void multiStepRejectsAnUnknownUnitAndAWarmUpThatIsNoFraction() {
        assertThat(new MultiStepPlugin()
                        .schema()
                        .validate(Map.of("milestones", List.of(50), "unit", "steps", "warmup_factor", 2))
                        .problems())
                .containsExactly(
                        new ParameterProblem("unit", "'steps' is not allowed; allowed: ['epochs', 'iterations']"),
                        new ParameterProblem("warmup_factor", "2 is out of range; allowed: > 0 and <= 1"));
    }

    @Test
    void milestonesInIterationsMustIncreaseAndComeAfterTheWarmUp() {
        MultiStepPlugin plugin = new MultiStepPlugin();
        assertThat(plugin.schema()
                        .validate(Map.of("milestones", List.of(48000, 32000), "unit", "iterations"))
                        .problems())
                .containsExactly(new ParameterProblem(
                        "milestones", "[48000, 32000] is not allowed; allowed: strictly increasing iterations"));
        assertThat(plugin.schema()
                        .validate(
                                Map.of("milestones", List.of(400, 800), "unit", "iterations", "warmup_iterations", 400))
                        .problems())
                .containsExactly(new ParameterProblem(
                        "milestones", "[400, 800] is not allowed; allowed: iterations after the warm-up's 400"));
        // In epochs, milestones and the warm-up's iterations are not compared.
        assertThat(plugin.schema()
                        .validate(Map.of("milestones", List.of(2), "warmup_iterations", 400))
                        .problems())
                .isEmpty();
    }

    @Test
    void cosineFallsFromTheBaseRateToTheMinimum() {
        LearningRateSchedule s = create(new CosinePlugin(), Map.of());
        assertThat(s.rate(1, 0)).isEqualTo(0.1);
        assertThat(s.rate(51, 0)).isCloseTo(0.05, within(1e-12));
        assertThat(s.rate(101, 0)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void constantKeepsTheBaseRate() {
        LearningRateSchedule s = create(new ConstantPlugin(), Map.of());
        assertThat(s.rate(1, 0)).isEqualTo(0.1);
        assertThat(s.rate(99, 7)).isEqualTo(0.1);
    }
}
