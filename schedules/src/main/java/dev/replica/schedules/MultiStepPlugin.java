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
 *
 * <p>With {@code unit: iterations} the milestones count training steps instead, as He et al. 2016 give
 * theirs ("divided by 10 at 32k and 48k iterations"): the step after the first 32,000 trains at
 * base*gamma. A warm-up trains the first {@code warmup_iterations} steps at base*warmup_factor (their
 * ResNet-110 starts at 0.01 for about 400 iterations), whichever the unit.
 */
public final class MultiStepPlugin implements SchedulePlugin {

    private static final String EPOCHS = "epochs";

    private static final String ITERATIONS = "iterations";

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
                    ParameterSpec.integerList(
                                    "milestones",
                                    "epochs (or iterations, see unit) after which the rate is multiplied by gamma")
                            .atLeast(1)
                            .atMost(100_000_000), // the runner's most epochs times a large epoch's steps
                    ParameterSpec.real("gamma", "factor applied at each milestone")
                            .withDefault(0.1)
                            .greaterThan(0),
                    ParameterSpec.string("unit", "what the milestones count: epochs, or iterations (training steps)")
                            .withDefault(EPOCHS)
                            .allowing(EPOCHS, ITERATIONS),
                    ParameterSpec.integer(
                                    "warmup_iterations", "the first training steps, trained at base * warmup_factor")
                            .withDefault(0)
                            .atLeast(0)
                            .atMost(100_000_000), // as the milestones
                    ParameterSpec.real("warmup_factor", "the warm-up's rate, relative to the base rate")
                            .withDefault(0.1)
                            .greaterThan(0)
                            .atMost(1))
            .withCheck(MultiStepPlugin::increasing)
            .withCheck(MultiStepPlugin::afterTheWarmUp);

    @Override
    public String name() {
        return "multistep";
    }

    @Override
    public String description() {
        return "multiply the rate by gamma after each milestone epoch or iteration (PyTorch MultiStepLR); a warm-up";
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
        boolean iterations = params.getString("unit").equals(ITERATIONS);
        long warmup = params.getInt("warmup_iterations");
        double warmupRate = base * params.getDouble("warmup_factor");
        long stepsPerEpoch = context.stepsPerEpoch();
        return (epoch, step) -> {
            // Steps (or epochs) already trained: a milestone m counts once m of them are done.
            long done = (epoch - 1) * stepsPerEpoch + step;
            if (done < warmup) {
                return warmupRate;
            }
            long position = iterations ? done : epoch - 1;
            double rate = base;
            for (int m : milestones) {
                if (m <= position) {
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
                        "milestones",
                        Values.render(m) + " is not allowed; allowed: strictly increasing " + p.getString("unit")));
            }
        }
        return List.of();
    }

    private static List<ParameterProblem> afterTheWarmUp(Params p) {
        List<Integer> m = p.getIntList("milestones");
        int warmup = p.getInt("warmup_iterations");
        if (p.getString("unit").equals(ITERATIONS) && !m.isEmpty() && m.get(0) <= warmup) {
            return List.of(new ParameterProblem(
                    "milestones",
                    Values.render(m) + " is not allowed; allowed: iterations after the warm-up's " + warmup));
        }
        return List.of();
    }
}
