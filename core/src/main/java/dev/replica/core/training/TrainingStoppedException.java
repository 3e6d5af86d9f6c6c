package dev.replica.core.training;

import java.nio.file.Path;

/**
 * Training stopped between two steps because a {@link StopRequest} came; the model's checkpoint holds
 * that step, and {@code replica run --resume} continues from it to the same result as a run that never
 * stopped.
 */
public final class TrainingStoppedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path checkpoint;

    /**
     * Creates the exception.
     *
     * @param message what stopped where
     * @param checkpoint the checkpoint written at the stop
     */
    public TrainingStoppedException(String message, Path checkpoint) {
        super(message);
        this.checkpoint = checkpoint;
    }

    /**
     * Returns the checkpoint written at the stop.
     *
     * @return the model's checkpoint folder
     */
    public Path checkpoint() {
        return checkpoint;
    }
}
