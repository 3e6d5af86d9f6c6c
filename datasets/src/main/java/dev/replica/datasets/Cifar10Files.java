package dev.replica.datasets;

import dev.replica.api.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CIFAR-10 binary layout ({@code cifar-10-batches-bin}): file names, the official md5s, and reading
 * records into memory while hashing every file in full.
 */
final class Cifar10Files {

    /** The training files, in the order their records are numbered. */
    static final List<String> TRAIN =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");

    /** The test file. */
    static final String TEST = "test_batch.bin";

    /** Every file that must be there, training files first. */
    static final List<String> REQUIRED =
            Stream.concat(TRAIN.stream(), Stream.of(TEST)).toList();

    /** The md5 of each file of the official archive. */
    static final Map<String, String> OFFICIAL_MD5 = Map.of(
            "data_batch_1.bin",
            "5dd7e06a14cb22eb9f671a540d1b7c25",
            "data_batch_2.bin",
            "5ea93a67294ea407fff1d09f752e9692",
            "data_batch_3.bin",
            "942cd6a4bcdd0dd3c604fbe906cb4421",
            "data_batch_4.bin",
            "ae636b3ba5c66a11e91e8cb52e771fcb",
            "data_batch_5.bin",
            "53f37980c15c3d472c316c40844f3f0d",
            TEST,
            "803d5f7f4d78ea53de84dbe85f74fb6d");

    static final int CHANNELS = 3;
    static final int SIDE = 32;
    static final int CLASSES = 10;

    /** The classes by label, as the dataset's batches.meta.txt lists them. */
    static final List<String> CLASS_NAMES =
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    static final int RECORD = ImageRecords.recordLength(CHANNELS, SIDE, SIDE);

    /** Each official file holds this many records; a smaller file (a test's, a subset) is read as it is. */
    static final int RECORDS_PER_FILE = 10_000;

    private Cifar10Files() {}

    /**
     * One file as read.
     *
     * @param name the file name
     * @param md5 the md5 of the whole file, lower-case hex
     * @param records the records in the file
     */
    record FileFacts(String name, String md5, int records) {}

    /**
     * Images read from some files, and the facts of every file.
     *
     * @param images the records kept
     * @param files the files, in the order read
     */
    record Read(ImageRecords images, List<FileFacts> files) {}

    /**
     * Returns the required files that are not regular files in {@code root}.
     *
     * @param root the folder
     * @return the missing names, in {@link #REQUIRED} order
     */
    static List<String> missing(Path root) {
        List<String> missing = new ArrayList<>();
        for (String name : REQUIRED) {
            if (!Files.isRegularFile(root.resolve(name))) {
                missing.add(name);
            }
        }
        return missing;
    }

    /**
     * Reads the first {@code limit} records of the concatenation of some files, hashing each file in full.
     *
     * @param root the folder
     * @param names the files, in order
     * @param limit how many records to keep, 0 for all
     * @return the records and the facts of every file
     * @throws UserException when a file is a folder, unreadable, empty, not a whole number of records or
     *     more than an official file holds, or has a label outside 0-9
     */
    static Read read(Path root, List<String> names, int limit) {
        long total = 0;
        long[] sizes = new long[names.size()];
        for (int f = 0; f < names.size(); f++) {
            Path file = root.resolve(names.get(f));
            if (Files.isDirectory(file)) {
                throw new UserException(file + " is a folder; CIFAR-10 needs the binary file of that name there");
            }
            if (!Files.isReadable(file)) {
                throw new UserException(file + " cannot be read (no permission); make it readable");
            }
            try {
                sizes[f] = Files.size(file);
            } catch (IOException e) {
                throw new UserException("cannot read " + file + ": " + e, e);
            }
            if (sizes[f] == 0) {
                throw new UserException(file + " is empty; it should hold CIFAR-10 records of " + RECORD + " bytes");
            }
            if (sizes[f] % RECORD != 0) {
                String why = sizes[f] % (RECORD + 1) == 0
                        ? "its size fits 3074-byte records: CIFAR-100's layout (2 label bytes), not CIFAR-10's"
                        : "it is truncated or not CIFAR-10 binary";
                throw new UserException(file + " has " + sizes[f] + " bytes, not a whole number of " + RECORD
                        + "-byte records (1 label byte + 3072 pixels); " + why);
            }
            if (sizes[f] / RECORD > RECORDS_PER_FILE) {
                throw new UserException(file + " has " + sizes[f] / RECORD + " records; a CIFAR-10 binary file holds "
                        + RECORDS_PER_FILE + ": it is oversized, or several files joined into one");
            }
            total += sizes[f] / RECORD;
        }
        long kept = limit == 0 ? total : Math.min(limit, total);
        if (kept * RECORD > Integer.MAX_VALUE - 8) {
            throw new UserException("cannot hold " + kept + " CIFAR-10 records of " + String.join(", ", names)
                    + " in memory; set dataset.params.limit");
        }
        byte[] data = new byte[(int) (kept * RECORD)];
        List<FileFacts> facts = new ArrayList<>();
        int filled = 0;
        byte[] buffer = new byte[1 << 16];
        for (int f = 0; f < names.size(); f++) {
            Path file = root.resolve(names.get(f));
            MessageDigest md5 = md5();
            int wanted = (int) Math.min(sizes[f], data.length - filled);
            try (InputStream in = Files.newInputStream(file)) {
                if (in.readNBytes(data, filled, wanted) != wanted) {
                    throw new UserException(file + " became shorter while it was read");
                }
                md5.update(data, filled, wanted);
                for (int n; (n = in.read(buffer)) > 0; ) {
                    md5.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new UserException("cannot read " + file + ": " + e, e);
            }
            checkLabels(file, data, filled, wanted);
            filled += wanted;
            facts.add(new FileFacts(names.get(f), HexFormat.of().formatHex(md5.digest()), (int) (sizes[f] / RECORD)));
        }
        return new Read(new ImageRecords(data, CHANNELS, SIDE, SIDE), List.copyOf(facts));
    }

    private static void checkLabels(Path file, byte[] data, int from, int length) {
        for (int at = from; at < from + length; at += RECORD) {
            int label = data[at] & 0xFF;
            if (label >= CLASSES) {
                throw new UserException(file + " record " + (at - from) / RECORD + " has label " + label
                        + "; CIFAR-10 labels are 0-9: the file is corrupt or not CIFAR-10 binary");
            }
        }
    }

    /**
     * Returns a fresh md5 digest.
     *
     * @return the digest
     */
    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }
}
