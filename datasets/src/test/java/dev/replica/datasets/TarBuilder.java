package dev.replica.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Writes small ustar archives for tests, including entries a safe reader must refuse. */
final class TarBuilder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarBuilder file(String name, byte[] content) {
        return entry(name, '0', "", content);
    }

    TarBuilder folder(String name) {
        return entry(name, '5', "", new byte[0]);
    }

    TarBuilder link(String name, char type, String target) {
        return entry(name, type, target, new byte[0]);
    }

    /** A GNU long-name entry followed by the file it names. */
    TarBuilder longNamedFile(String name, byte[] content) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        entry("././@LongLink", 'L', "", n);
        return entry(name.substring(0, 50), '0', "", content);
    }

    /** A pax extended header giving the path of the file that follows. */
    TarBuilder paxNamedFile(String name, byte[] content) {
        String record = " path=" + name + "\n";
        int length = record.length() + 1;
        while (Integer.toString(length).length() + record.length() != length) {
            length++;
        }
        entry("PaxHeaders/x", 'x', "", (length + record).getBytes(StandardCharsets.UTF_8));
        return entry("placeholder", '0', "", content);
    }

    TarBuilder entry(String name, char type, String linkName, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", content.length));
        put(h, 136, 12, String.format("%011o", 0));
        h[156] = (byte) type;
        put(h, 157, 100, linkName);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, 8, String.format("%06o", sum) + "\0 ");
        out.writeBytes(h);
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    byte[] tar() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.toByteArray());
        all.writeBytes(new byte[1024]);
        return all.toByteArray();
    }

    byte[] tarGz() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar());
        }
        return gz.toByteArray();
    }

    private static void put(byte[] h, int offset, int length, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (v.length > length) {
            throw new IllegalArgumentException("'" + value + "' does not fit " + length + " bytes");
        }
        System.arraycopy(v, 0, h, offset, v.length);
    }
}
