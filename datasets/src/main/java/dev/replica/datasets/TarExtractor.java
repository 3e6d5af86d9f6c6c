package dev.replica.datasets;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a tar stream (POSIX ustar, with GNU long names and pax {@code path}/{@code size} records) and
 * writes the regular files directly inside one folder of it into a target folder.
 *
 * <p>Every entry is checked before anything is written for it: an absolute name, a name that
 * normalises to outside the archive ({@code ../}), a hard or symbolic link, a device or FIFO is refused
 * with a {@link TarException} naming the entry. Safe entries outside the folder are skipped. A file is
 * never written twice or over an existing file.
 */
final class TarExtractor {

    private static final int BLOCK = 512;
    private static final int MAX_META = 1 << 20;

    private TarExtractor() {}

    /** A tar stream that is malformed or unsafe; the message names the entry. */
    static final class TarException extends IOException {
        private static final long serialVersionUID = 1L;

        TarException(String message) {
            super(message);
        }
    }

    /**
     * Extracts the regular files directly inside {@code folder} of the archive.
     *
     * @param in the uncompressed tar stream; read to the end-of-archive marker, not closed
     * @param folder the folder of the archive to take files from, e.g. {@code cifar-10-batches-bin}
     * @param target an existing folder to write them to
     * @return the names of the files written, in archive order
     * @throws TarException when the archive is malformed or has an unsafe entry
     * @throws IOException when reading or writing fails
     */
    static List<String> extract(InputStream in, String folder, Path target) throws IOException {
        List<String> written = new ArrayList<>();
        byte[] header = new byte[BLOCK];
        String longName = null;
        String paxPath = null;
        long paxSize = -1;
        for (int entries = 0; ; entries++) {
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0 && entries == 0) {
                throw new TarException("the archive is empty");
            }
            if (n < BLOCK) {
                throw new TarException("the archive ends without its end-of-archive marker");
            }
            if (allZero(header)) {
                return written;
            }
            checkChecksum(header);
            char type = (char) header[156];
            String name = header(header);
            long size = number(header, 124, 12, name);
            if (type == 'L' || type == 'x' || type == 'g' || type == 'K') {
                byte[] meta = readMeta(in, size, name);
                if (type == 'L') {
                    longName = cString(meta, 0, meta.length);
                } else if (type == 'x') {
                    for (String[] kv : pax(meta, name)) {
                        if (kv[0].equals("path")) {
                            paxPath = kv[1];
                        } else if (kv[0].equals("size")) {
                            paxSize = parseDecimal(kv[1], name);
                        }
                    }
                }
                continue;
            }
            if (paxPath != null) {
                name = paxPath;
            } else if (longName != null) {
                name = longName;
            }
            if (paxSize >= 0) {
                size = paxSize;
            }
            longName = null;
            paxPath = null;
            paxSize = -1;

            Path relative = safePath(name, type);
            boolean regular = type == '0' || type == '\0' || type == '7';
            if (regular
                    && relative.getNameCount() == 2
                    && relative.getName(0).toString().equals(folder)) {
                String file = relative.getFileName().toString();
                Path destination = target.resolve(file).normalize();
                if (!destination.getParent().equals(target.normalize())) {
                    throw new TarException("archive entry '" + name + "' points outside the target folder");
                }
                write(in, size, destination, name);
                written.add(file);
            } else {
                skip(in, size, name);
            }
            skip(in, padding(size), name);
        }
    }

    /** The normalised relative path of an entry, or a refusal naming it. */
    private static Path safePath(String name, char type) throws TarException {
        if (type == '1' || type == '2') {
            throw new TarException("archive entry '" + name + "' is a " + (type == '1' ? "hard" : "symbolic")
                    + " link; links are refused");
        }
        if (type != '0' && type != '\0' && type != '7' && type != '5') {
            throw new TarException(
                    "archive entry '" + name + "' has type '" + type + "' (not a file or folder); refused");
        }
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.contains("\0")) {
            throw new TarException("archive entry '" + name + "' has an absolute or empty name; refused");
        }
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            throw new TarException("archive entry '" + name + "' has an invalid name; refused");
        }
        Path normal = path.normalize();
        boolean itself = normal.toString().isEmpty(); // "./": the archive's own folder
        if (path.isAbsolute() || (itself && type != '5') || normal.startsWith("..")) {
            throw new TarException("archive entry '" + name + "' points outside the archive's folder; refused");
        }
        return normal;
    }

    private static void write(InputStream in, long size, Path destination, String name) throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(destination, StandardOpenOption.CREATE_NEW)) {
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException("the archive ends inside entry '" + name + "'");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        } catch (FileAlreadyExistsException e) {
            throw new TarException("archive entry '" + name + "' appears twice or would overwrite a file; refused");
        }
    }

    private static void skip(InputStream in, long size, String name) throws IOException {
        try {
            in.skipNBytes(size);
        } catch (EOFException e) {
            throw new EOFException("the archive ends inside entry '" + name + "'");
        }
    }

    private static byte[] readMeta(InputStream in, long size, String name) throws IOException {
        if (size > MAX_META) {
            throw new TarException("archive entry '" + name + "' has " + size + " bytes of header data; refused");
        }
        byte[] meta = in.readNBytes((int) size);
        if (meta.length != size) {
            throw new EOFException("the archive ends inside entry '" + name + "'");
        }
        skip(in, padding(size), name);
        return meta;
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static String header(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        boolean posix = ustar && h[262] == 0; // GNU tar writes "ustar  " and uses no prefix field
        String prefix = posix ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String cString(byte[] b, int offset, int length) {
        int end = offset;
        while (end < offset + length && b[end] != 0) {
            end++;
        }
        return new String(b, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** An octal number field, or GNU's base-256 form for large values. */
    private static long number(byte[] h, int offset, int length, String name) throws TarException {
        if ((h[offset] & 0x80) != 0) {
            long v = h[offset] & 0x7F;
            for (int i = offset + 1; i < offset + length; i++) {
                if (v >>> 55 != 0) {
                    throw new TarException("archive entry '" + name + "' has an oversized number field");
                }
                v = (v << 8) | (h[i] & 0xFF);
            }
            return v;
        }
        long v = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte b = h[i];
            if (b == 0 || (b == ' ' && digits)) {
                break;
            }
            if (b == ' ') {
                continue;
            }
            if (b < '0' || b > '7') {
                throw new TarException("archive entry '" + name + "' has a malformed number field");
            }
            v = v * 8 + (b - '0');
            digits = true;
        }
        return v;
    }

    private static void checkChecksum(byte[] h) throws TarException {
        long stored = number(h, 148, 8, cString(h, 0, 100));
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : h[i];
            unsigned += b & 0xFF;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new TarException("not a tar archive, or a corrupt one: header checksum mismatch at entry '"
                    + cString(h, 0, 100) + "'");
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Pax records: {@code "<length> <key>=<value>\n"}. */
    private static List<String[]> pax(byte[] meta, String name) throws TarException {
        List<String[]> records = new ArrayList<>();
        int at = 0;
        while (at < meta.length) {
            int space = at;
            while (space < meta.length && meta[space] != ' ') {
                space++;
            }
            long length = parseDecimal(new String(meta, at, space - at, StandardCharsets.US_ASCII), name);
            if (length <= space - at + 1 || at + length > meta.length || meta[(int) (at + length - 1)] != '\n') {
                throw new TarException("archive entry '" + name + "' has a malformed pax header");
            }
            String record = new String(meta, space + 1, (int) (at + length - 1 - space - 1), StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq < 0) {
                throw new TarException("archive entry '" + name + "' has a malformed pax header");
            }
            records.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
            at += (int) length;
        }
        return records;
    }

    private static long parseDecimal(String s, String name) throws TarException {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException(s);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TarException("archive entry '" + name + "' has a malformed pax header");
        }
    }
}
