package dev.replica.api;

import dev.replica.api.params.Params;

/** Builds an update rule (the optimizer). */
public interface OptimizerPlugin extends Plugin {

    /**
     * Creates the update rule.
     *
     * @param params the validated parameters, never {@code null}
     * @return the rule, never {@code null}
     */
    UpdateRule create(Params params);
}
