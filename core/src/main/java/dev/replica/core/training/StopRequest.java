package dev.replica.core.training;

/**
 * A request, from outside the loop, to stop training at the next step boundary: Ctrl-C or SIGTERM in
 * the command line. The loop checks it after every step, writes a checkpoint of that step and throws
 * {@link TrainingStoppedException}.
 */
public final class StopRequest {

    /** A request that never comes, for callers that do not stop runs. */
    public static final StopRequest NEVER = new StopRequest();

    private volatile String reason;

    /**
     * Asks the loop to stop.
     *
     * @param why what asked, e.g. {@code SIGINT}
     */
    public void request(String why) {
        if (this == NEVER) {
            throw new IllegalStateException("StopRequest.NEVER cannot be requested");
        }
        reason = why;
    }

    /**
     * Returns whether a stop was asked for.
     *
     * @return true once {@link #request} was called
     */
    public boolean requested() {
        return reason != null;
    }

    /**
     * Returns what asked for the stop.
     *
     * @return e.g. {@code SIGINT}, or {@code null} when nothing did
     */
    public String reason() {
        return reason;
    }
}
