package dev.replica.core.exchange;

import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One array of a weights file: its type, shape and little-endian bytes, as safetensors and NumPy store
 * them.
 *
 * @param type the element type
 * @param shape the dimensions, row-major; empty for a scalar
 * @param data the elements, little-endian, exactly {@code elements() * type.bytes()} bytes
 */
public record StoredTensor(TensorType type, long[] shape, byte[] data) {

    /**
     * Checks that the data fits the shape.
     *
     * @throws IllegalArgumentException when it does not
     */
    public StoredTensor {
        shape = shape.clone();
        long elements = elements(shape);
        if (elements < 0 || elements > data.length || elements * type.bytes() != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + type + " needs "
                    + elements * type.bytes() + " bytes, not " + data.length);
        }
    }

    /**
     * Stores float32 values.
     *
     * @param shape their shape
     * @param values the values, row-major
     * @return the tensor
     */
    public static StoredTensor ofFloats(Shape shape, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return new StoredTensor(TensorType.F32, shape.getShape(), bytes.array());
    }

    /**
     * Returns the values of a float32 tensor.
     *
     * @return the values, row-major
     * @throws IllegalStateException when the tensor is not float32
     */
    public float[] floats() {
        if (type != TensorType.F32) {
            throw new IllegalStateException("a " + type + " tensor, not F32");
        }
        float[] values = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /**
     * Returns the shape as DJL's.
     *
     * @return the shape
     */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /**
     * Returns the number of elements.
     *
     * @return the product of the dimensions, or -1 when a dimension is negative or it overflows
     */
    public long elements() {
        return elements(shape);
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor t
                && t.type == type
                && Arrays.equals(t.shape, shape)
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return type + Arrays.toString(shape);
    }
}
