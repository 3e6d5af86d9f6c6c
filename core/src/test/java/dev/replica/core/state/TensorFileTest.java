package dev.replica.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An edited checkpoint file's shapes are checked against what the file holds before anything is allocated. */
class TensorFileTest {

    @TempDir
    Path dir;

    /** A tensor file with one entry of the given dimensions and no data, made as large as {@code size}. */
    private Path edited(long size, long... dims) throws IOException {
        Path file = dir.resolve("weights.bin");
        try (OutputStream out = Files.newOutputStream(file);
                DataOutputStream data = new DataOutputStream(out)) {
            data.writeUTF("REPLICA-TENSORS");
            data.writeInt(1);
            data.writeInt(1);
            data.writeUTF("w");
            data.writeInt(dims.length);
            for (long d : dims) {
                data.writeLong(d);
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(Math.max(size, f.length()));
        }
        return file;
    }

    @Test
    void aShapeWhoseProductOverflowsIsRefused() throws IOException {
        // 2^32 x 2^32 multiplies to 0 in a long that wraps: it must not pass as an empty entry.
        Path file = edited(0, 1L << 32, 1L << 32);
        assertThatThrownBy(() -> TensorFile.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is damaged: entry w has shape")
                .hasMessageContaining("more than the file holds");
    }

    @Test
    void aSparseFileOfGigabytesIsRefusedNotAllocated() throws IOException {
        // 5 GiB of holes, one entry claiming all of it: beyond one array and the bound on array data.
        Path file = edited(5L << 30, (5L << 30) / 4);
        assertThatThrownBy(() -> TensorFile.read(file)).hasMessageContaining("more than the file holds");
    }

    @Test
    void aNegativeDimensionIsRefused() throws IOException {
        Path file = edited(64, -2, -2);
        assertThatThrownBy(() -> TensorFile.read(file)).hasMessageContaining("is damaged");
    }

    @Test
    void anHonestFileIsRead() throws IOException {
        Path file = dir.resolve("ok.bin");
        TensorFile.writeEntries(file, Map.of("w", new TensorFile.Entry(new Shape(2, 3), new float[6])));
        assertThat(TensorFile.read(file)).containsOnlyKeys("w");
    }
}
