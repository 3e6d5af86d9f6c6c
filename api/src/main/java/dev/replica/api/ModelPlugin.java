package dev.replica.api;

import ai.djl.nn.Block;
import dev.replica.api.params.Params;

/**
 * Builds a network. The plugin owns its initialisation: every parameter of the returned block carries a
 * {@link dev.replica.api.nn.SeededInitializer} (or a constant one) drawn from {@link
 * ModelContext#initSeeds()}, so one seed gives the same initial weights on every engine.
 */
public interface ModelPlugin extends Plugin {

    /**
     * Creates an uninitialised block; the runner initialises it for the dataset's input shape.
     *
     * @param params the validated parameters, never {@code null}
     * @param context the seed streams and shapes of this model in this run, never {@code null}
     * @return the block, never {@code null}
     */
    Block create(Params params, ModelContext context);
}
