package dev.replica.api;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.replica.api.engine.DeterminismVerdict;
import java.util.SortedMap;

/** A loaded engine on one device, with what the manifest needs to know about it. */
public interface EngineSession extends AutoCloseable {

    /**
     * Returns the DJL engine.
     *
     * @return the engine, never {@code null}
     */
    Engine engine();

    /**
     * Returns the device that arrays and blocks live on.
     *
     * @return the device, never {@code null}
     */
    Device device();

    /**
     * Creates a manager on this session's device; the caller closes it.
     *
     * @return a new manager
     */
    NDManager newManager();

    /**
     * Seeds the engine's own random generator. Replica draws every result-deciding random number in
     * Java; this is seeded anyway so that nothing engine-side is left unseeded.
     *
     * @param seed the seed, all 64 bits of it (an engine that takes fewer folds them, never drops them)
     */
    void seed(long seed);

    /**
     * Returns the number of intra-op threads the engine really runs with in this process.
     *
     * @return the observed thread count
     */
    int observedThreads();

    /**
     * Returns what the determinism probe found for this engine, threads and machine, and the
     * instruction-set setting the session runs with.
     *
     * @return the verdict, never {@code null}
     */
    DeterminismVerdict determinism();

    /**
     * Returns versions and settings for the manifest: DJL, engine and native library versions, device,
     * threads, the native settings and the determinism verdict, and known numeric conventions of the
     * engine.
     *
     * @return sorted key-value pairs, never {@code null}
     */
    SortedMap<String, String> describe();

    @Override
    void close();
}
