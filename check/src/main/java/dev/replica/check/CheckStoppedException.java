package dev.replica.check;

import dev.replica.core.training.StopRequest;

/**
 * The check stopped between two steps because a {@link StopRequest} came (Ctrl-C or SIGTERM): its lanes
 * are closed, its report is not written.
 */
public final class CheckStoppedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private CheckStoppedException(String message) {
        super(message);
    }

    /**
     * Stops the check here when a stop was asked for.
     *
     * @param stop the request
     * @param label the model
     * @param phase what was training, e.g. {@code lockstep}
     * @param step the step just trained, from 0
     * @param steps the phase's steps
     * @throws CheckStoppedException when the stop was asked for
     */
    static void ifRequested(StopRequest stop, String label, String phase, int step, int steps) {
        if (stop.requested()) {
            throw new CheckStoppedException("the check stopped (" + stop.reason() + ") in model '" + label + "', "
                    + phase + ", after step " + (step + 1) + " of " + steps);
        }
    }
}
