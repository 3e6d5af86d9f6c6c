package dev.replica.api;

import dev.replica.api.params.Params;

/** Builds a learning-rate schedule. */
public interface SchedulePlugin extends Plugin {

    /**
     * Creates the schedule.
     *
     * @param params the validated parameters, never {@code null}
     * @param context the base rate and the run's length, never {@code null}
     * @return the schedule, never {@code null}
     */
    LearningRateSchedule create(Params params, ScheduleContext context);
}
