package dev.replica.core.exchange;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types a weights file may hold, by their names in safetensors ({@code F32}) and in NumPy
 * ({@code <f4}). Replica writes float32 only; reading knows every type, so a file of another type gets a
 * message naming it instead of a guess.
 */
public enum TensorType {
    /** 64-bit float. */
    F64(8, "<f8"),
    /** 32-bit float, what Replica's models hold. */
    F32(4, "<f4"),
    /** 16-bit float. */
    F16(2, "<f2"),
    /** bfloat16 (NumPy has no such type). */
    BF16(2, null),
    /** 8-bit float, E4M3. */
    F8_E4M3(1, null),
    /** 8-bit float, E5M2. */
    F8_E5M2(1, null),
    /** 64-bit signed integer, e.g. PyTorch's {@code num_batches_tracked}. */
    I64(8, "<i8"),
    /** 32-bit signed integer. */
    I32(4, "<i4"),
    /** 16-bit signed integer. */
    I16(2, "<i2"),
    /** 8-bit signed integer. */
    I8(1, "|i1"),
    /** 64-bit unsigned integer. */
    U64(8, "<u8"),
    /** 32-bit unsigned integer. */
    U32(4, "<u4"),
    /** 16-bit unsigned integer. */
    U16(2, "<u2"),
    /** 8-bit unsigned integer. */
    U8(1, "|u1"),
    /** Boolean, one byte. */
    BOOL(1, "|b1");

    private final int bytes;
    private final String numpy;

    TensorType(int bytes, String numpy) {
        this.bytes = bytes;
        this.numpy = numpy;
    }

    /**
     * Returns the size of one element.
     *
     * @return bytes per element
     */
    public int bytes() {
        return bytes;
    }

    /**
     * Returns NumPy's little-endian type string.
     *
     * @return e.g. {@code <f4}, empty for {@link #BF16}
     */
    public Optional<String> numpy() {
        return Optional.ofNullable(numpy);
    }

    /**
     * Finds a type by its safetensors name.
     *
     * @param name e.g. {@code F32}
     * @return the type, or empty when unknown
     */
    public static Optional<TensorType> ofSafetensors(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }

    /**
     * Finds a type by its NumPy type string: little-endian ({@code <}), native ({@code =}, little on
     * every machine Replica runs on) or byte-order free ({@code |}).
     *
     * @param descr e.g. {@code <f4}
     * @return the type, or empty when unknown or big-endian
     */
    public static Optional<TensorType> ofNumpy(String descr) {
        if (descr.length() < 2 || "<=|".indexOf(descr.charAt(0)) < 0) {
            return Optional.empty();
        }
        String kind = descr.substring(1);
        return Arrays.stream(values())
                .filter(t -> t.numpy != null && t.numpy.substring(1).equals(kind))
                .findFirst();
    }
}
