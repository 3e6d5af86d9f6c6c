package dev.replica.core.training;

import dev.replica.api.UserException;

/**
 * A file of the run folder could not be written (the disk is full, the folder became read-only): training
 * stopped there. Every file is written to a temporary name and renamed, so what was there before,
 * the last good checkpoint included, is intact, and the run resumes from it once the cause is fixed.
 */
public final class WriteFailedException extends UserException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what could not be written, why, and what was kept
     * @param cause the failure
     */
    public WriteFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
