package dev.replica.core.state;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Saving, loading and fingerprinting every parameter of a block (weights and BatchNorm statistics). */
public final class ModelState {

    private ModelState() {}

    /**
     * Returns every parameter array of the block by path, in block order.
     *
     * @param block an initialised block
     * @return the arrays
     */
    public static Map<String, NDArray> arrays(Block block) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            arrays.put(p.getKey(), p.getValue().getArray());
        }
        return arrays;
    }

    /**
     * Writes every parameter of the block.
     *
     * @param block an initialised block
     * @param file the file
     * @throws IOException when writing fails
     */
    public static void save(Block block, Path file) throws IOException {
        TensorFile.write(file, arrays(block));
    }

    /**
     * Copies saved values into the block's existing arrays.
     *
     * @param block an initialised block of the same architecture
     * @param file the file
     * @throws IOException when the file does not match the block
     */
    public static void load(Block block, Path file) throws IOException {
        try {
            copyInto(block, TensorFile.read(file), file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Copies values into the block's existing arrays, every parameter and BatchNorm statistic. A copy
     * op, not {@code set()}: MXNet keeps convolution weights in MKLDNN layout, which {@code set()}
     * cannot write.
     *
     * @param block the initialised block
     * @param values the values by parameter path, exactly the block's parameters
     * @param source what the values came from, for messages
     * @throws IllegalArgumentException when the parameters or shapes differ
     */
    public static void copyInto(Block block, Map<String, TensorFile.Entry> values, String source) {
        Map<String, NDArray> arrays = arrays(block);
        if (!values.keySet().equals(arrays.keySet())) {
            throw new IllegalArgumentException(source + " holds parameters " + new TreeMap<>(values).keySet()
                    + ", the model has " + new TreeMap<>(arrays).keySet());
        }
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            TensorFile.Entry entry = values.get(e.getKey());
            if (!entry.shape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException(source + ": parameter " + e.getKey() + " has shape " + entry.shape()
                        + ", the model has " + e.getValue().getShape());
            }
            NDArray target = e.getValue();
            try (NDArray v = target.getManager().create(entry.values(), entry.shape());
                    NDArray typed =
                            v.getDataType() == target.getDataType() ? null : v.toType(target.getDataType(), false)) {
                (typed == null ? v : typed).copyTo(target);
            }
        }
    }

    /**
     * Returns the SHA-256 of every parameter's name, shape and values, in block order: equal exactly
     * when the weights are bit-identical.
     *
     * @param block an initialised block
     * @return the hex digest
     */
    public static String checksum(Block block) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, NDArray> e : arrays(block).entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update(e.getValue().getShape().toString().getBytes(StandardCharsets.UTF_8));
                digest.update(e.getValue().toByteArray());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
