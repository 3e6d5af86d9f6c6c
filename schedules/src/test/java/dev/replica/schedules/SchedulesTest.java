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
