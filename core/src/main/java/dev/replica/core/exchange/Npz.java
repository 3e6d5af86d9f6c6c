package dev.replica.core.exchange;

import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's npz: a zip holding {@code <name>.npy} per array, as {@code numpy.savez} writes it. Entries are
 * stored uncompressed with a fixed timestamp, so the same arrays give the same bytes. Each {@code .npy}
 * is format version 1.0: the magic {@code \x93NUMPY}, the version, a 2-byte header length, a Python dict
 * literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (...), }} padded to 64 bytes, then
 * the little-endian data.
 */
final class Npz {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {}

    static void write(Path file, WeightsFile.Contents contents) throws IOException {
        SafeFiles.writeAtomically(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, StoredTensor> e : contents.tensors().entrySet()) {
                byte[] npy = npy(e.getValue());
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setTimeLocal(FIXED_TIME);
                entry.setSize(npy.length);
                CRC32 crc = new CRC32();
                crc.update(npy);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(npy);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    static byte[] npy(StoredTensor t) {
        String descr =
                t.type().numpy().orElseThrow(() -> new IllegalArgumentException("NumPy has no " + t.type() + " type"));
        StringBuilder shape = new StringBuilder();
        for (long d : t.shape()) {
            shape.append(d).append(", ");
        }
        String dims = t.shape().length == 1
                ? shape.substring(0, shape.length() - 1)
                : shape.length() == 0 ? "" : shape.substring(0, shape.length() - 2);
        StringBuilder header =
                new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((MAGIC.length + 4 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] text = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length + t.data().length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC)
                .put((byte) 1)
                .put((byte) 0)
                .putShort((short) text.length)
                .put(text)
                .put(t.data());
        return b.array();
    }

    static WeightsFile.Contents read(Path file) throws IOException {
        return read(file, true);
    }

    /**
     * Reads the arrays, or with {@code data} false only checks every header and the sizes they declare,
     * allocating nothing for the data (a validation before a run).
     */
    static WeightsFile.Contents read(Path file, boolean data) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        long total = 0;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (entry.isDirectory() || !name.endsWith(".npy")) {
                    throw bad(file, "holds '" + name + "', which is not a .npy array");
                }
                String key = name.substring(0, name.length() - 4);
                if (tensors.containsKey(key)) {
                    throw bad(file, "holds array '" + key + "' twice");
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    NpyHeader h = parseNpy(file, key, in, SafeFiles.dataLimit() - total);
                    total += h.bytes();
                    if (data) {
                        tensors.put(key, h.data(in));
                    } else if (entry.getSize() >= 0 && entry.getSize() != h.size()) {
                        // Without the data, the archive's size of the entry stands in for reading it.
                        throw bad(
                                file,
                                "array '" + key + "' is " + entry.getSize() + " bytes, but its header and "
                                        + "shape make " + h.size());
                    }
                }
            }
        } catch (ZipException e) {
            throw bad(file, "is not a zip archive (" + e.getMessage() + ")");
        }
        return new WeightsFile.Contents(tensors, Map.of());
    }

    /**
     * Reads one .npy array from a stream, its header first: the data is read only once the shape says how
     * much there is and that it fits {@code budget}, so an entry that inflates to gigabytes is refused
     * before anything is allocated for it.
     */
    static NpyHeader parseNpy(Path file, String key, InputStream in, long budget) throws IOException {
        String where = "array '" + key + "'";
        // The magic, the version and the longest header length field; then the header, at most 1 MiB.
        byte[] start = in.readNBytes(MAGIC.length + 2 + 4);
        ByteBuffer b = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (!b.hasRemaining() || b.get() != m) {
                throw bad(file, where + " does not start with NumPy's magic bytes");
            }
        }
        if (b.remaining() < 2) {
            throw bad(file, where + " ends inside its header");
        }
        int major = b.get();
        b.get();
        long headerLength;
        if (major == 1 && b.remaining() >= 2) {
            headerLength = Short.toUnsignedInt(b.getShort());
        } else if ((major == 2 || major == 3) && b.remaining() >= 4) {
            headerLength = Integer.toUnsignedLong(b.getInt());
        } else {
            throw bad(file, where + " is in .npy format version " + major + "; known: 1, 2, 3");
        }
        if (headerLength > 1 << 20) {
            throw bad(file, where + " declares a header of " + headerLength + " bytes; NumPy's are at most 1 MiB");
        }
        byte[] rest = b.remaining() >= headerLength ? new byte[0] : in.readNBytes((int) (headerLength - b.remaining()));
        if (b.remaining() + rest.length < headerLength) {
            throw bad(file, where + " ends inside its header");
        }
        byte[] text = new byte[(int) headerLength];
        int inStart = (int) Math.min(b.remaining(), headerLength);
        b.get(text, 0, inStart);
        System.arraycopy(rest, 0, text, inStart, rest.length);
        String header = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shape = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw bad(file, where + " has a header without descr, fortran_order and shape: " + header.strip());
        }
        TensorType type = TensorType.ofNumpy(descr.group(1))
                .orElseThrow(() -> bad(
                        file,
                        where + " has type '" + descr.group(1)
                                + "'; known: little-endian floats, integers and booleans"));
        if (fortran.group(1).equals("True")) {
            throw bad(file, where + " is in Fortran order; save it with numpy.ascontiguousarray");
        }
        String[] parts = shape.group(1).split(",");
        long[] dims = new long[parts.length];
        int rank = 0;
        for (String p : parts) {
            if (p.isBlank()) {
                continue;
            }
            try {
                dims[rank] = Long.parseLong(p.strip());
            } catch (NumberFormatException e) {
                throw bad(file, where + " has shape (" + shape.group(1) + ")");
            }
            if (dims[rank++] < 0) {
                throw bad(file, where + " has shape (" + shape.group(1) + ")");
            }
        }
        long[] exact = Arrays.copyOf(dims, rank);
        long elements = StoredTensor.elements(exact);
        long bytes = elements < 0 || elements > Long.MAX_VALUE / type.bytes() ? -1 : elements * type.bytes();
        if (bytes < 0) {
            throw bad(file, where + " has shape (" + shape.group(1) + "), more elements than a file can hold");
        }
        if (bytes > budget || bytes > Integer.MAX_VALUE - 8) {
            throw bad(
                    file,
                    where + " of " + type + " and shape (" + shape.group(1) + ") " + WeightsFile.tooMuchData(bytes));
        }
        long size = MAGIC.length + 2 + (major == 1 ? 2 : 4) + headerLength + bytes;
        return new NpyHeader(file, where, type, exact, shape.group(1), bytes, size, b);
    }

    /** One array's header: what its data must be, and the bytes of the data already read with it. */
    record NpyHeader(
            Path file,
            String where,
            TensorType type,
            long[] shape,
            String shapeText,
            long bytes,
            long size,
            ByteBuffer b) {

        /** Reads the data: what is left of the first read, then exactly what the shape needs, not a byte more. */
        StoredTensor data(InputStream in) throws IOException {
            byte[] data = new byte[(int) bytes];
            int have = Math.min(b.remaining(), data.length);
            b.get(data, 0, have);
            int read = in.readNBytes(data, have, data.length - have);
            if (have + read < bytes || b.hasRemaining() || in.read() >= 0) {
                throw bad(
                        file,
                        where + " of " + type + " and shape (" + shapeText + ") needs " + bytes
                                + " bytes of data, but has " + (have + read < bytes ? have + read : "more"));
            }
            return new StoredTensor(type, shape, data);
        }
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + " is not a valid npz file: " + what);
    }
}
