package dev.replica.core.training;

import ai.djl.ndarray.NDList;
import java.util.ServiceLoader;

/**
 * A seam through which tests make the native kernels misbehave on purpose: a fault that differs per
 * process, a NaN, a fault in float32 alone. It changes a step's gradients after backward, before they are
 * checked and applied, as a faulty kernel would. Only the testkit provides one (through {@code
 * META-INF/services}), so a class path without test jars cannot reach it; in production it is {@link
 * #NONE}.
 */
public interface KernelFault {

    /** No fault. */
    KernelFault NONE = gradients -> {};

    /**
     * Changes a step's gradients in place.
     *
     * @param gradients the trainable parameters' gradients, in the block's order
     */
    void afterBackward(NDList gradients);

    /**
     * Returns the fault on the class path, or {@link #NONE}.
     *
     * @return the fault
     */
    static KernelFault installed() {
        return Holder.INSTALLED;
    }

    /** Looked up once per process: the class path does not change. */
    final class Holder {
        static final KernelFault INSTALLED =
                ServiceLoader.load(KernelFault.class).findFirst().orElse(NONE);

        private Holder() {}
    }
}
