package dev.replica.api;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.OperatorProfiler;
import java.util.Optional;
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

    /**
     * Returns, on the engine, one number per gradient that is finite exactly when every element of that
     * gradient is: the training step's check for NaN and infinite gradients, read with the loss once per
     * log interval. By default the sum of {@code g * 0} per gradient, stacked: zero for any finite
     * gradient however large (a plain sum or sum of squares would overflow and stop a healthy run), NaN
     * when an element is NaN or infinite.
     *
     * @param gradients the gradients, in the block's order
     * @return a vector of {@code gradients.size()} numbers, in the gradients' type or float32
     */
    default NDArray gradientCheck(NDList gradients) {
        return finiteChecks(gradients);
    }

    /**
     * The default {@link #gradientCheck}: each gradient's sum of {@code g * 0}, stacked.
     *
     * @param gradients the gradients
     * @return zero for each finite gradient, NaN for the others
     */
    static NDArray finiteChecks(NDList gradients) {
        NDList checks = new NDList(gradients.size());
        for (NDArray g : gradients) {
            checks.add(g.mul(0).sum());
        }
        return NDArrays.stack(checks);
    }

    /**
     * Tells the engine that a run disproved its determinism verdict (the run's own first steps, or a
     * {@code reproduce}, did not give the bits the probe proved): the verdict is not used again, and the
     * next process tries the next setting. By default nothing is kept.
     *
     * @param why what disproved it, for the record
     */
    default void withdrawVerdict(String why) {}

    /**
     * Returns a model's input batch in the memory layout this session's kernels are set to read (an engine's
     * {@code memory_format}): the same values, in another order in memory. Training, evaluation and the
     * determinism probe all feed models through it. By default the batch as made.
     *
     * @param batch the batch, as made from the data
     * @return the batch the model reads
     */
    default NDArray inKernelLayout(NDArray batch) {
        return batch;
    }

    /**
     * Returns the engine's own profiler of operator calls, where it has one; by default none.
     *
     * @return the profiler, or empty
     */
    default Optional<OperatorProfiler> operatorProfiler() {
        return Optional.empty();
    }

    @Override
    void close();
}
