package dev.replica.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Tiny CIFAR-10 files in the official binary layout. Record {@code g} (counted across the training
 * files in order, then on in the test file) has label {@code (3g + 1) mod 10} and pixel
 * {@code (g + 50c + 3y + 7x) mod 256}, so its first pixel is {@code g}.
 */
final class Cifar10Fixture {

    static final int SIDE = 32;
    static final int RECORD = 1 + 3 * SIDE * SIDE;

    private Cifar10Fixture() {}

    static int label(int g) {
        return (3 * g + 1) % 10;
    }

    static int pixel(int g, int c, int y, int x) {
        return (g + 50 * c + 3 * y + 7 * x) & 0xFF;
    }

    /** The bytes of records {@code first .. first + count - 1}. */
    static byte[] records(int first, int count) {
        byte[] b = new byte[count * RECORD];
        for (int r = 0; r < count; r++) {
            int g = first + r;
            int at = r * RECORD;
            b[at] = (byte) label(g);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        b[at + 1 + c * SIDE * SIDE + y * SIDE + x] = (byte) pixel(g, c, y, x);
                    }
                }
            }
        }
        return b;
    }

    /** The content of each file: {@code perFile} records per training file, {@code testRecords} in the test file. */
    static byte[] file(String name, int perFile, int testRecords) {
        if (name.equals("test_batch.bin")) {
            return records(5 * perFile, testRecords);
        }
        int index = Integer.parseInt(name.substring("data_batch_".length(), name.length() - ".bin".length())) - 1;
        return records(index * perFile, perFile);
    }

    /** Writes the six files and {@code batches.meta.txt} into {@code root}, created as needed. */
    static Path write(Path root, int perFile, int testRecords) throws IOException {
        Files.createDirectories(root);
        for (String name : Cifar10Files.REQUIRED) {
            Files.write(root.resolve(name), file(name, perFile, testRecords));
        }
        Files.writeString(root.resolve("batches.meta.txt"), META);
        return root;
    }

    static final String META = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";

    static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    /** The normalised value the study's transform gives a pixel, computed as torchvision does (float). */
    static float normalised(int channel, int pixel) {
        float[] mean = {0.4914f, 0.4822f, 0.4465f};
        float[] std = {0.2470f, 0.2435f, 0.2616f};
        return (pixel / 255f - mean[channel]) / std[channel];
    }
}
