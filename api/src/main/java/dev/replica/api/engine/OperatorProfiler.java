package dev.replica.api.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An engine's own profiler of operator calls (PyTorch's autograd profiler): which operators a training step
 * calls, how often, and how long each takes, on the thread that calls them. It writes Chrome's trace event
 * format, which PyTorch's Python profiler writes too, so that the benchmark can set Replica's operators
 * beside the plain PyTorch loop's.
 */
public interface OperatorProfiler {

    /** Starts recording every operator call of this process. */
    void start();

    /**
     * Stops recording and writes what was recorded.
     *
     * @param trace a file that does not exist yet, in a folder of the caller's own
     * @throws IOException when the trace cannot be written
     */
    void stop(Path trace) throws IOException;
}
