package dev.replica.core.exchange;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import dev.replica.core.state.SafeFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian
 * header length N, N bytes of a UTF-8 JSON object (padded with spaces to a multiple of 8), then the
 * data. The header maps each name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, offsets
 * relative to the data; an optional {@code __metadata__} maps strings to strings. Reading checks what the
 * reference implementation checks: known types, sizes that match shapes, and offsets that tile the data
 * exactly, without gaps or overlaps.
 */
final class Safetensors {

    /** The reference implementation's limit on the header. */
    static final long MAX_HEADER = 100_000_000;

    private static final String METADATA = "__metadata__";

    /** Reads JSON as the reference implementation does: no NaN, no unquoted strings (the reader is strict). */
    private static final TypeAdapter<JsonElement> STRICT = new Gson().getAdapter(JsonElement.class);

    private Safetensors() {}

    static void write(Path file, WeightsFile.Contents contents) throws IOException {
        JsonObject header = new JsonObject();
        if (!contents.metadata().isEmpty()) {
            JsonObject meta = new JsonObject();
            contents.metadata().forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : contents.tensors().entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("a tensor cannot be named " + METADATA);
            }
            StoredTensor t = e.getValue();
            JsonObject info = new JsonObject();
            info.addProperty("dtype", t.type().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            info.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + t.data().length);
            info.add("data_offsets", offsets);
            header.add(e.getKey(), info);
            offset += t.data().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        SafeFiles.writeAtomically(file, out -> {
            out.write(head.array());
            for (StoredTensor t : contents.tensors().values()) {
                out.write(t.data());
            }
        });
    }

    static WeightsFile.Contents read(Path file) throws IOException {
        return read(file, true);
    }

    /** Reads the tensors, or with {@code withData} false only checks the header and the sizes it declares. */
    static WeightsFile.Contents read(Path file, boolean withData) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw bad(file, "is " + size + " bytes long, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long n = lengthBytes.flip().getLong();
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw bad(
                        file,
                        "declares a header of " + Long.toUnsignedString(n) + " bytes; the file has " + (size - 8)
                                + " after the length, and headers are at most " + MAX_HEADER);
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
            readFully(channel, headerBytes, 8, file);
            String json;
            try {
                json = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBytes.flip())
                        .toString();
            } catch (CharacterCodingException e) {
                throw bad(file, "has a header that is not UTF-8");
            }
            Header header = parse(file, json);
            long dataLength = size - 8 - n;
            List<Map.Entry<String, Info>> byOffset =
                    new ArrayList<>(header.tensors().entrySet());
            byOffset.sort(Comparator.comparingLong(
                            (Map.Entry<String, Info> e) -> e.getValue().begin())
                    .thenComparingLong(e -> e.getValue().end()));
            long expected = 0;
            for (Map.Entry<String, Info> e : byOffset) {
                Info info = e.getValue();
                if (info.begin() != expected) {
                    throw bad(
                            file,
                            "tensor '" + e.getKey() + "' starts at data offset " + info.begin()
                                    + ", but the tensors before it end at " + expected + " (a gap or an overlap)");
                }
                expected = info.end();
            }
            if (expected != dataLength) {
                throw bad(file, "has " + dataLength + " bytes of data, but its tensors cover " + expected);
            }
            if (dataLength > SafeFiles.dataLimit()) {
                throw bad(file, WeightsFile.tooMuchData(dataLength));
            }
            Map<String, StoredTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Info> e :
                    withData ? header.tensors().entrySet() : Set.<Map.Entry<String, Info>>of()) {
                Info info = e.getValue();
                ByteBuffer data = ByteBuffer.allocate((int) (info.end() - info.begin()));
                readFully(channel, data, 8 + n + info.begin(), file);
                tensors.put(e.getKey(), new StoredTensor(info.type(), info.shape(), data.array()));
            }
            return new WeightsFile.Contents(tensors, header.metadata());
        }
    }

    private record Info(TensorType type, long[] shape, long begin, long end) {}

    private record Header(Map<String, Info> tensors, Map<String, String> metadata) {}

    private static Header parse(Path file, String json) throws IOException {
        if (!json.startsWith("{")) {
            throw bad(file, "has a header that does not start with '{'");
        }
        Map<String, Info> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.beginObject();
            boolean sawMetadata = false;
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (name.equals(METADATA)) {
                    if (sawMetadata) {
                        throw bad(file, "has " + METADATA + " twice");
                    }
                    sawMetadata = true;
                    reader.beginObject();
                    while (reader.hasNext()) {
                        String key = reader.nextName();
                        if (reader.peek() != JsonToken.STRING) {
                            throw bad(file, "has " + METADATA + "." + key + " that is not a string");
                        }
                        if (metadata.put(key, reader.nextString()) != null) {
                            throw bad(file, "has " + METADATA + "." + key + " twice");
                        }
                    }
                    reader.endObject();
                    continue;
                }
                if (tensors.containsKey(name)) {
                    throw bad(file, "names tensor '" + name + "' twice");
                }
                tensors.put(name, info(file, name, reader));
            }
            reader.endObject();
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw bad(file, "has more after its header's JSON object");
            }
        } catch (MalformedJsonException | EOFException | JsonParseException | IllegalStateException e) {
            throw bad(file, "has a header that is not a valid JSON object of tensors (" + e.getMessage() + ")");
        }
        return new Header(tensors, metadata);
    }

    private static Info info(Path file, String name, JsonReader reader) throws IOException {
        String where = "tensor '" + name + "'";
        if (reader.peek() != JsonToken.BEGIN_OBJECT) {
            throw bad(file, where + " is not an object of dtype, shape and data_offsets");
        }
        JsonObject o = STRICT.read(reader).getAsJsonObject();
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!o.has(key)) {
                throw bad(file, where + " has no " + key);
            }
        }
        if (!o.get("dtype").isJsonPrimitive()
                || !o.get("dtype").getAsJsonPrimitive().isString()) {
            throw bad(file, where + " has a dtype that is not a string");
        }
        String dtype = o.get("dtype").getAsString();
        TensorType type = TensorType.ofSafetensors(dtype)
                .orElseThrow(
                        () -> bad(file, where + " has dtype '" + dtype + "'; known: " + List.of(TensorType.values())));
        long[] shape = naturals(file, where + " shape", o.get("shape"));
        long[] offsets = naturals(file, where + " data_offsets", o.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw bad(
                    file,
                    where + " has data_offsets " + o.get("data_offsets") + "; expected [begin, end] with begin <= end");
        }
        long elements = StoredTensor.elements(shape);
        long bytes = offsets[1] - offsets[0];
        if (elements < 0 || elements > Long.MAX_VALUE / type.bytes() || elements * type.bytes() != bytes) {
            throw bad(
                    file,
                    where + " of " + type + " and shape " + o.get("shape") + " needs "
                            + (elements < 0 ? "an impossible number of" : Long.toString(elements * type.bytes()))
                            + " bytes, but its data_offsets span " + bytes);
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw bad(file, where + " is " + bytes + " bytes, more than one array can hold here (2 GiB)");
        }
        return new Info(type, shape, offsets[0], offsets[1]);
    }

    private static long[] naturals(Path file, String where, JsonElement element) throws IOException {
        if (!element.isJsonArray()) {
            throw bad(file, where + " is not a list of whole numbers");
        }
        JsonArray array = element.getAsJsonArray();
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            if (!array.get(i).isJsonPrimitive()
                    || !array.get(i).getAsJsonPrimitive().isNumber()) {
                throw bad(file, where + " has " + array.get(i) + ", not a whole number");
            }
            JsonPrimitive p = array.get(i).getAsJsonPrimitive();
            try {
                values[i] = p.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw bad(file, where + " has " + p + ", not a whole number below 2^63");
            }
            if (values[i] < 0) {
                throw bad(file, where + " has " + p + ", which is negative");
            }
        }
        return values;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position, Path file) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int read = channel.read(into, at);
            if (read < 0) {
                throw bad(file, "ends early, at byte " + at);
            }
            at += read;
        }
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + " is not a valid safetensors file: it " + what);
    }
}
