package ai.djl.pytorch.jni;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;

/** For tests: whether a tensor's memory is row-major in its own shape, which DJL asks libtorch but does not say. */
public final class MemoryOrder {

    private MemoryOrder() {}

    /**
     * Asks libtorch's {@code is_contiguous()}.
     *
     * @param array a PyTorch array
     * @return whether its elements lie in memory in row-major order of its shape
     */
    public static boolean rowMajor(NDArray array) {
        return PyTorchLibrary.LIB.torchIsContiguous(((PtNDArray) array).getHandle());
    }
}
