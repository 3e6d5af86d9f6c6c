package dev.replica.schedules;

import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;

/** The base rate throughout. */
public final class ConstantPlugin implements SchedulePlugin {

    @Override
    public String name() {
        return "constant";
    }

    @Override
    public String description() {
        return "the optimizer's base rate throughout";
    }

    @Override
    public ParameterSchema schema() {
        return ParameterSchema.empty();
    }

    @Override
    public LearningRateSchedule create(Params params, ScheduleContext context) {
        double base = context.baseRate();
        return (epoch, step) -> base;
    }
}
