package dev.replica.api;

import dev.replica.api.params.Params;

/**
 * Opens a deep-learning engine (a DJL backend) by Replica's short name, e.g. {@code pytorch}. Not to
 * be confused with DJL's own {@code ai.djl.engine.EngineProvider}, which this wraps.
 */
public interface EnginePlugin extends Plugin {

    /**
     * Loads the engine offline and opens a session on the requested device.
     *
     * @param params the validated parameters ({@code threads}, {@code device}, ...), never {@code null}
     * @param context what the process gives every engine, never {@code null}
     * @return the session, never {@code null}
     * @throws UserException when the engine or the device is not usable here, saying why
     */
    EngineSession open(Params params, EngineContext context);
}
