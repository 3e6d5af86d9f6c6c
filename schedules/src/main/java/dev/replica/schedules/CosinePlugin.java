package dev.replica.schedules;

import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;

/**
 * PyTorch's {@code CosineAnnealingLR} stepped after each epoch: epoch e trains at
 * {@code min + (base - min) * (1 + cos(pi * (e - 1) / t_max)) / 2}.
 */
public final class CosinePlugin implements SchedulePlugin {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.integer("t_max", "epochs of the half cosine; 0 means the run's epochs")
                    .withDefault(0)
                    .atLeast(0)
                    .atMost(100_000), // the runner's most epochs
            ParameterSpec.real("min_lr", "the rate at the end of the half cosine")
                    .withDefault(0.0)
                    .atLeast(0));

    @Override
    public String name() {
        return "cosine";
    }

    @Override
    public String description() {
        return "cosine annealing per epoch (PyTorch CosineAnnealingLR)";
    }

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public LearningRateSchedule create(Params params, ScheduleContext context) {
        int tMax = params.getInt("t_max") == 0 ? context.epochs() : params.getInt("t_max");
        double min = params.getDouble("min_lr");
        double base = context.baseRate();
        return (epoch, step) -> min + (base - min) * (1 + StrictMath.cos(StrictMath.PI * (epoch - 1) / tMax)) / 2;
    }
}
