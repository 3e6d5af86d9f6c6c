package dev.replica.core.exchange;

import dev.replica.core.state.ModelFiles;
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
        ModelFiles.writeAtomically(file, out -> {
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
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
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
                    tensors.put(key, parseNpy(file, key, in.readAllBytes()));
                }
            }
        } catch (ZipException e) {
            throw bad(file, "is not a zip archive (" + e.getMessage() + ")");
        }
        return new WeightsFile.Contents(tensors, Map.of());
    }

    static StoredTensor parseNpy(Path file, String key, byte[] npy) throws IOException {
        String where = "array '" + key + "'";
        ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
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
        if (headerLength > b.remaining()) {
            throw bad(file, where + " ends inside its header");
        }
        byte[] text = new byte[(int) headerLength];
        b.get(text);
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
        if (elements < 0 || elements > b.remaining() || elements * type.bytes() != b.remaining()) {
            throw bad(
                    file,
                    where + " of " + type + " and shape (" + shape.group(1) + ") needs "
                            + (elements < 0 ? "an impossible number of" : Long.toString(elements * type.bytes()))
                            + " bytes of data, but has " + b.remaining());
        }
        byte[] data = new byte[b.remaining()];
        b.get(data);
        return new StoredTensor(type, exact, data);
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + " is not a valid npz file: " + what);
    }
}
