package dev.replica.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WeightsFileTest {

    @TempDir
    Path dir;

    private static WeightsFile.Contents sample() {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        // Odd values: a NaN with a payload, negative zero, a subnormal, infinities.
        tensors.put("conv1.weight", StoredTensor.ofFloats(new Shape(2, 1, 2, 2), new float[] {
            1.5f,
            -0f,
            Float.MIN_VALUE,
            Float.intBitsToFloat(0x7fc12345),
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            3e38f,
            -7.25e-12f
        }));
        tensors.put("bn1.running_var", StoredTensor.ofFloats(new Shape(3), new float[] {1, 2, 3}));
        tensors.put("linear.bias", StoredTensor.ofFloats(new Shape(1), new float[] {0.1f}));
        tensors.put("scalar", StoredTensor.ofFloats(new Shape(), new float[] {42f}));
        tensors.put("empty", StoredTensor.ofFloats(new Shape(0, 4), new float[0]));
        return new WeightsFile.Contents(tensors, Map.of("format", "pt"));
    }

    @ParameterizedTest
    @EnumSource(WeightsFile.class)
    void readsBackBitIdenticallyInOrder(WeightsFile format) throws IOException {
        Path file = dir.resolve("w." + format.extension());
        format.write(file, sample());
        WeightsFile.Contents back = format.read(file);
        assertThat(back.tensors()).containsExactlyEntriesOf(sample().tensors());
        assertThat(back.tensors().get("conv1.weight").floats()[3])
                .matches(f -> Float.floatToRawIntBits(f) == 0x7fc12345);
        assertThat(WeightsFile.of(file)).contains(format);
    }

    @ParameterizedTest
    @EnumSource(WeightsFile.class)
    void sameArraysGiveTheSameBytes(WeightsFile format) throws IOException {
        Path a = dir.resolve("a." + format.extension());
        Path b = dir.resolve("b." + format.extension());
        format.write(a, sample());
        format.write(b, sample());
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(dir.resolve("a." + format.extension() + ".tmp")).doesNotExist();
    }

    @Test
    void safetensorsBytesAreThePublishedLayout() throws IOException {
        Path file = dir.resolve("one.safetensors");
        Map<String, StoredTensor> one = Map.of("a", StoredTensor.ofFloats(new Shape(2), new float[] {1f, 2f}));
        WeightsFile.SAFETENSORS.write(file, new WeightsFile.Contents(one, Map.of()));
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        ByteBuffer expected = ByteBuffer.allocate(8 + padded.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded.length())
                .put(padded.getBytes(StandardCharsets.UTF_8))
                .putFloat(1f)
                .putFloat(2f);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.array());
        assertThat(WeightsFile.SAFETENSORS.read(file).metadata()).isEmpty();
        assertThat(WeightsFile.SAFETENSORS
                        .read(dir.resolve("one.safetensors"))
                        .tensors()
                        .get("a")
                        .floats())
                .containsExactly(1f, 2f);
    }

    @Test
    void safetensorsKeepsMetadata() throws IOException {
        Path file = dir.resolve("m.safetensors");
        WeightsFile.SAFETENSORS.write(file, sample());
        assertThat(WeightsFile.SAFETENSORS.read(file).metadata()).containsExactly(Map.entry("format", "pt"));
    }

    @Test
    void npyHeadersAreVersionOneAlignedTo64() throws IOException {
        byte[] npy = Npz.npy(StoredTensor.ofFloats(new Shape(10), new float[10]));
        int headerLength = Short.toUnsignedInt(
                ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat((10 + headerLength) % 64).isZero();
        assertThat(header)
                .startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }")
                .endsWith("\n");
        assertThat(npy[6]).isEqualTo((byte) 1);
    }

    /** A header with the given JSON and data bytes after it, unpadded. */
    private Path safetensors(String json, int dataBytes) throws IOException {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(text.length).put(text);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    @Test
    void safetensorsRefusesBrokenHeadersNamingTheTensor() throws IOException {
        assertThatThrownBy(
                        () -> WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F48", "[2]", 0, 8) + "}", 8)))
                .hasMessageContaining("bad.safetensors is not a valid safetensors file")
                .hasMessageContaining("tensor 'w' has dtype 'F48'");
        assertThatThrownBy(
                        () -> WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[3]", 0, 8) + "}", 8)))
                .hasMessageContaining("tensor 'w' of F32 and shape [3] needs 12 bytes, but its data_offsets span 8");
        assertThatThrownBy(() ->
                        WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[-2]", 0, 8) + "}", 8)))
                .hasMessageContaining("tensor 'w' shape has -2, which is negative");
        assertThatThrownBy(
                        () -> WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[2]", 8, 0) + "}", 8)))
                .hasMessageContaining("tensor 'w' has data_offsets [8,0]");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors(
                        "{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 4, 12) + "}", 12)))
                .hasMessageContaining("tensor 'b' starts at data offset 4, but the tensors before it end at 8");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors(
                        "{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 12, 20) + "}", 20)))
                .hasMessageContaining("tensor 'b' starts at data offset 12, but the tensors before it end at 8");
        assertThatThrownBy(() ->
                        WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[2]", 0, 8) + "}", 12)))
                .hasMessageContaining("has 12 bytes of data, but its tensors cover 8");
        assertThatThrownBy(
                        () -> WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[2]", 0, 8) + "}", 4)))
                .hasMessageContaining("has 4 bytes of data, but its tensors cover 8");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors(
                        "{" + tensor("w", "F32", "[1]", 0, 4) + "," + tensor("w", "F32", "[1]", 4, 8) + "}", 8)))
                .hasMessageContaining("names tensor 'w' twice");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors("{\"w\":{\"dtype\":\"F32\"}}", 0)))
                .hasMessageContaining("tensor 'w' has no shape");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors("[1,2]", 0)))
                .hasMessageContaining("does not start with '{'");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors("{\"w\":", 0)))
                .hasMessageContaining("not a valid JSON object");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(safetensors("{\"__metadata__\":{\"k\":1}}", 0)))
                .hasMessageContaining("__metadata__.k that is not a string");
        assertThatThrownBy(() ->
                        WeightsFile.SAFETENSORS.read(safetensors("{" + tensor("w", "F32", "[1e99999]", 0, 4) + "}", 4)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tensor 'w' shape has 1e99999, not a whole number below 2^63");
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(
                        safetensors("{\"w\":{\"dtype\":F32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a valid JSON object");
        assertThat(WeightsFile.SAFETENSORS
                        .read(safetensors("{" + tensor("u", "U16", "[2]", 0, 4) + "}", 4))
                        .tensors()
                        .get("u")
                        .type())
                .isEqualTo(TensorType.U16);
    }

    @Test
    void safetensorsRefusesTruncatedFiles() throws IOException {
        Path good = dir.resolve("good.safetensors");
        WeightsFile.SAFETENSORS.write(good, sample());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(cut))
                .hasMessageContaining("cut.safetensors is not a valid safetensors file")
                .hasMessageContaining("bytes of data, but its tensors cover");
        Files.write(cut, Arrays.copyOf(bytes, 5));
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(cut)).hasMessageContaining("is 5 bytes long");
        Files.write(cut, Arrays.copyOf(bytes, 20));
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(cut)).hasMessageContaining("declares a header of");
        byte[] invalid = bytes.clone();
        invalid[10] = (byte) 0xff;
        Files.write(cut, invalid);
        assertThatThrownBy(() -> WeightsFile.SAFETENSORS.read(cut)).hasMessageContaining("not UTF-8");
    }

    private Path npz(String name, byte[] entry) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(entry);
            zip.closeEntry();
        }
        Path file = dir.resolve("bad.npz");
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private static byte[] npy(String header, int dataBytes) {
        byte[] text = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
                .putShort((short) text.length)
                .put(text);
        return b.array();
    }

    @Test
    void npzRefusesWhatNumpyWouldNotMean() throws IOException {
        assertThatThrownBy(() -> WeightsFile.NPZ.read(
                        npz("w.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", 8))))
                .hasMessageContaining("bad.npz is not a valid npz file: array 'w' has type '>f4'");
        assertThatThrownBy(() -> WeightsFile.NPZ.read(
                        npz("w.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", 16))))
                .hasMessageContaining("array 'w' is in Fortran order");
        assertThatThrownBy(() -> WeightsFile.NPZ.read(
                        npz("w.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", 8))))
                .hasMessageContaining("array 'w' of F32 and shape (3,) needs 12 bytes of data, but has 8");
        assertThatThrownBy(() -> WeightsFile.NPZ.read(npz("w.npy", "not numpy".getBytes(StandardCharsets.US_ASCII))))
                .hasMessageContaining("array 'w' does not start with NumPy's magic bytes");
        assertThatThrownBy(() -> WeightsFile.NPZ.read(npz("notes.txt", new byte[] {1})))
                .hasMessageContaining("holds 'notes.txt', which is not a .npy array");
        Path junk = dir.resolve("junk.npz");
        Files.writeString(junk, "hello");
        assertThatThrownBy(() -> WeightsFile.NPZ.read(junk)).hasMessageContaining("junk.npz is not a valid npz file");
    }

    @Test
    void npzReadsIntegersAndScalarsAsNumpyWritesThem() throws IOException {
        WeightsFile.Contents c = WeightsFile.NPZ.read(npz(
                "bn1.num_batches_tracked.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }\n", 8)));
        StoredTensor t = c.tensors().get("bn1.num_batches_tracked");
        assertThat(t.type()).isEqualTo(TensorType.I64);
        assertThat(t.shape()).isEmpty();
        assertThatThrownBy(t::floats).hasMessageContaining("I64");
    }
}
