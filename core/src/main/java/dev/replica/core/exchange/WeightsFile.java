package dev.replica.core.exchange;

import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A file of named arrays that other frameworks read: safetensors (Hugging Face's format, what
 * {@code safetensors.torch.load_file} reads) or NumPy's npz ({@code numpy.load}).
 */
public enum WeightsFile {
    /** {@code .safetensors}: a JSON header of types, shapes and offsets, then the raw data. */
    SAFETENSORS("safetensors"),
    /** {@code .npz}: a zip of one {@code .npy} file per array, stored uncompressed. */
    NPZ("npz");

    private final String extension;

    WeightsFile(String extension) {
        this.extension = extension;
    }

    /**
     * What a weights file holds.
     *
     * @param tensors the arrays by name, in file order
     * @param metadata free-form string pairs (safetensors' {@code __metadata__}; npz has none)
     */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {}

    /**
     * Returns the file name extension, without the dot.
     *
     * @return e.g. {@code safetensors}
     */
    public String extension() {
        return extension;
    }

    /**
     * The message part for data over {@link SafeFiles#dataLimit}.
     *
     * @param bytes the bytes declared
     * @return e.g. {@code declares 7200000000 bytes of arrays, more than Replica reads from one file (...)}
     */
    static String tooMuchData(long bytes) {
        return "declares " + bytes + " bytes of arrays, more than Replica reads from one file (" + SafeFiles.dataLimit()
                + " bytes: half the Java heap, at most 4 GiB)";
    }

    /**
     * Finds the format of a file by its extension.
     *
     * @param file the file
     * @return the format, or empty when the extension is neither
     */
    public static Optional<WeightsFile> of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (WeightsFile f : values()) {
            if (name.endsWith("." + f.extension)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /**
     * Writes arrays in the map's order, atomically: a reader never sees half a file.
     *
     * @param file the file
     * @param contents the arrays and metadata
     * @throws IOException when writing fails
     */
    public void write(Path file, Contents contents) throws IOException {
        if (this == SAFETENSORS) {
            Safetensors.write(file, contents);
        } else {
            Npz.write(file, contents);
        }
    }

    /**
     * Reads and validates every array.
     *
     * @param file the file
     * @return the arrays and metadata
     * @throws IOException when the file cannot be read or breaks the format; the message names the file,
     *     the array and what is wrong
     */
    public Contents read(Path file) throws IOException {
        return this == SAFETENSORS ? Safetensors.read(file) : Npz.read(file);
    }

    /**
     * Checks the file's headers and the sizes they declare without reading the data: what a validation
     * can refuse before a run (a zip that inflates, a sparse file of gigabytes).
     *
     * @param file the file
     * @throws IOException when the file cannot be read or breaks the format, naming what is wrong
     */
    public void check(Path file) throws IOException {
        SafeFiles.requireRegularFile(file, extension + " file");
        if (this == SAFETENSORS) {
            Safetensors.read(file, false);
        } else {
            Npz.read(file, false);
        }
    }
}
