package dev.replica.api;

import dev.replica.api.params.Params;

/** Builds an update rule (the optimizer). */
public interface OptimizerPlugin extends Plugin {

    /**
     * Creates the update rule.
     *
     * @param params the validated parameters, never {@code null}
     * @param context the run's epochs and steps, never {@code null}
     * @return the rule, never {@code null}
     */
    UpdateRule create(Params params, OptimizerContext context);
}
