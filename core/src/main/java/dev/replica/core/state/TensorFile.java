package dev.replica.core.state;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float32 arrays in an engine-neutral file: weights, BatchNorm statistics, optimizer state. Values
 * are copied into existing arrays on load (so a parameter keeps its gradient), and the same file loads
 * on PyTorch and MXNet. Files are written atomically and forced to disk.
 *
 * <p>Layout: {@code "REPLICA-TENSORS"}, version int, count int, then per entry: UTF name, rank int,
 * dims long..., float values (big-endian).
 */
public final class TensorFile {

    /**
     * Reads an array of any floating type as floats.
     *
     * @param a the array
     * @return its values, rounded to float where they are wider
     */
    public static float[] floats(NDArray a) {
        return a.getDataType() == DataType.FLOAT32
                ? a.toFloatArray()
                : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static final String MAGIC = "REPLICA-TENSORS";
    private static final int VERSION = 1;

    /**
     * One stored array.
     *
     * @param shape its shape
     * @param values its values, row-major
     */
    public record Entry(Shape shape, float[] values) {}

    private TensorFile() {}

    /**
     * Writes arrays in the map's order.
     *
     * @param file the file
     * @param arrays the arrays by name
     * @throws IOException when writing fails
     */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            entries.put(
                    e.getKey(), new Entry(e.getValue().getShape(), e.getValue().toFloatArray()));
        }
        writeEntries(file, entries);
    }

    /**
     * Writes entries in the map's order.
     *
     * @param file the file
     * @param entries the entries by name
     * @throws IOException when writing fails
     */
    public static void writeEntries(Path file, Map<String, Entry> entries) throws IOException {
        SafeFiles.writeAtomically(file, out -> writeTo(out, entries));
    }

    /** The layout, each entry's values converted in bulk rather than one float at a time. */
    private static void writeTo(OutputStream out, Map<String, Entry> entries) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeUTF(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(entries.size());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            data.writeUTF(e.getKey());
            Shape shape = e.getValue().shape();
            data.writeInt(shape.dimension());
            for (long d : shape.getShape()) {
                data.writeLong(d);
            }
            float[] values = e.getValue().values();
            ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.BIG_ENDIAN);
            bytes.asFloatBuffer().put(values);
            data.write(bytes.array());
        }
        data.flush();
    }

    /**
     * Reads every entry, in file order.
     *
     * @param file the file
     * @return the entries by name
     * @throws IOException when the file is unreadable or not a tensor file
     */
    public static Map<String, Entry> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file);
                DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16))) {
            if (!MAGIC.equals(data.readUTF()) || data.readInt() != VERSION) {
                throw new IOException(file + " is not a Replica tensor file of version " + VERSION);
            }
            int count = data.readInt();
            Map<String, Entry> entries = new LinkedHashMap<>();
            // What the file still holds: no entry may claim more, so an edited shape cannot make Replica
            // allocate beyond the file (nor beyond the bound on array data), whatever its dimensions multiply to.
            long left = Math.min(Files.size(file), SafeFiles.dataLimit());
            for (int i = 0; i < count; i++) {
                String name = data.readUTF();
                int rank = data.readInt();
                if (rank < 0 || rank > 8) {
                    throw new IOException(file + " is damaged: entry " + name + " has rank " + rank);
                }
                long[] dims = new long[rank];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = data.readLong();
                }
                long elements = 1;
                for (long d : dims) {
                    elements = d < 0 || elements > Long.MAX_VALUE / 4 / Math.max(d, 1) ? -1 : elements * d;
                    if (elements < 0) {
                        break;
                    }
                }
                if (elements < 0 || 4 * elements > left || 4 * elements > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + " is damaged: entry " + name + " has shape " + Arrays.toString(dims)
                            + ", more than the file holds");
                }
                Shape shape = new Shape(dims);
                left -= 4 * elements;
                float[] values = new float[(int) elements];
                byte[] bytes = new byte[4 * values.length];
                data.readFully(bytes);
                ByteBuffer.wrap(bytes)
                        .order(ByteOrder.BIG_ENDIAN)
                        .asFloatBuffer()
                        .get(values);
                entries.put(name, new Entry(shape, values));
            }
            return entries;
        }
    }
}
