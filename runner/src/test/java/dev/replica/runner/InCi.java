package dev.replica.runner;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that need what CI installs or allows (a browser, Slurm, permission to mount): where it is
 * missing they are skipped, saying so, except in CI ({@code CI=true}, as {@code .ci/run} sets it), where
 * a skip would hide a broken setup and they fail instead.
 */
public final class InCi {

    private InCi() {}

    /**
     * Skips the test, or fails it in CI, when what it needs is missing.
     *
     * @param available whether it is there
     * @param missing what is missing and how to get it, e.g. "Slurm is not installed (apt-get install ...)"
     */
    public static void skipUnlessAvailable(boolean available, String missing) {
        skipUnlessAvailable(available, missing, System.getenv());
    }

    /**
     * {@link #skipUnlessAvailable(boolean, String)} in a given environment, a seam for its own test.
     *
     * @param available whether it is there
     * @param missing what is missing and how to get it
     * @param env the environment variables
     */
    static void skipUnlessAvailable(boolean available, String missing, Map<String, String> env) {
        if (available) {
            return;
        }
        if ("true".equals(env.get("CI"))) {
            throw new AssertionError(missing + ", but CI must provide it (.ci/run): failing rather than skipping");
        }
        Assumptions.abort(missing + "; the test did not run");
    }
}
