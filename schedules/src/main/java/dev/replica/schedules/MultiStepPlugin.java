package dev.replica.schedules;

import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.api.params.Values;
import java.util.List;

/**
 * PyTorch's {@code MultiStepLR} stepped after each epoch: an epoch trains at
 * {@code base * gamma^(milestones before it)}, so with milestones [50, 75] epochs 1-50 train at the base
 * rate, 51-75 at base*gamma and 76 on at base*gamma^2.
 */
public final class MultiStepPlugin implements SchedulePlugin {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
                    ParameterSpec.integerList("milestones", "epochs after which the rate is multiplied by gamma")
                            .atLeast(1)
                            .atMost(100_000), // the runner's most epochs
                    ParameterSpec.real("gamma", "factor applied at each milestone")
                            .withDefault(0.1)
                            .greaterThan(0))
            .withCheck(MultiStepPlugin::increasing);

    @Override
    public String name() {
        return "multistep";
    }

    @Override
    public String description() {
        return "multiply the rate by gamma after each milestone epoch (PyTorch MultiStepLR)";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public LearningRateSchedule create(Params params, ScheduleContext context) {
        List<Integer> milestones = params.getIntList("milestones");
        double gamma = params.getDouble("gamma");
        double base = context.baseRate();
        return (epoch, step) -> {
            double rate = base;
            for (int m : milestones) {
                if (m < epoch) {
                    rate *= gamma;
                }
            }
            return rate;
        };
    }

    private static List<ParameterProblem> increasing(Params p) {
        List<Integer> m = p.getIntList("milestones");
        for (int i = 1; i < m.size(); i++) {
            if (m.get(i) <= m.get(i - 1)) {
                return List.of(new ParameterProblem(
                        "milestones", Values.render(m) + " is not allowed; allowed: strictly increasing epochs"));
            }
        }
        return List.of();
    }
}
