package dev.replica.api;

import ai.djl.nn.Block;
import dev.replica.api.params.Params;
import java.util.Map;
import java.util.Optional;

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

    /**
     * Returns the name a PyTorch {@code state_dict} of the same architecture gives each parameter of a
     * block this plugin created: what {@code replica export} writes and an experiment's {@code weights}
     * key reads, so a result can be checked and used in PyTorch. Build it with {@link
     * dev.replica.api.nn.StateDictNames}. Plugins that declare none get a message, never a guess.
     *
     * @param params the validated parameters the block was created with, never {@code null}
     * @param block the block, initialised, never {@code null}
     * @return the PyTorch names keyed by the block's parameter paths, in {@code state_dict} order, covering
     *     every parameter; or empty when the plugin declares none
     */
    default Optional<Map<String, String>> pytorchNames(Params params, Block block) {
        return Optional.empty();
    }

    /**
     * Reads a tensor name that an earlier version of {@link #pytorchNames} gave as today's, so a file
     * exported then still loads (with a message saying so).
     *
     * @param name a tensor name of a weights file, never {@code null}
     * @return today's name for it, or {@code name} itself when it is not a former name
     */
    default String currentPytorchName(String name) {
        return name;
    }
}
