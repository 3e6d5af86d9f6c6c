package dev.replica.api;

/**
 * A problem the user can fix (a missing file, a bad value, an unusable device). The runner prints its
 * message, without a stack trace, and exits non-zero. The message must name the file, key or value and
 * say what is allowed.
 */
public class UserException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message for the user.
     *
     * @param message what went wrong and what to do, never {@code null}
     */
    public UserException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message for the user and its cause.
     *
     * @param message what went wrong and what to do, never {@code null}
     * @param cause the underlying cause, may be {@code null}
     */
    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
