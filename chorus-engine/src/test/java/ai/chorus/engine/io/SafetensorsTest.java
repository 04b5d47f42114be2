package ai.chorus.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- round trips

    /** write → read is the identity on names, shapes, metadata and raw float bits (NaN payloads included). */
    @Test
    void readInvertsWrite() {
        qt().withFixedSeed(42L).withExamples(150).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            List<FloatTensor> tensors = randomTensors(r);
            Map<String, String> metadata = Map.of("step", Long.toString(seed), "note", "é ✓");
            Path file = dir.resolve("rt.safetensors");
            write(file, tensors, metadata);
            Map<String, FloatTensor> back = read(file);
            assertThat(back.keySet()).containsExactlyElementsOf(tensors.stream().map(FloatTensor::name).toList());
            for (FloatTensor t : tensors) {
                assertSameBits(back.get(t.name()), t);
            }
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                assertThat(reader.metadata()).containsEntry("format", "pt").containsAllEntriesOf(metadata);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void scalarAndEmptyTensorsAreLegal() throws IOException {
        FloatTensor scalar = new FloatTensor("scalar", new int[0], new float[] {7.5f}, 0);
        FloatTensor empty = FloatTensor.allocate("empty", 0, 3);
        FloatTensor emptyVector = FloatTensor.allocate("empty1", 0);
        Path file = dir.resolve("odd.safetensors");
        SafetensorsWriter.write(file, List.of(empty, scalar, emptyVector), Map.of());
        Map<String, FloatTensor> back = SafetensorsReader.readAll(file);
        assertThat(back.get("scalar").shape()).isEmpty();
        assertThat(back.get("scalar").get(0)).isEqualTo(7.5f);
        assertThat(back.get("empty").shape()).containsExactly(0, 3);
        assertThat(back.get("empty1").size()).isZero();
    }

    @Test
    void fileWithNoTensorsRoundTrips() throws IOException {
        Path file = dir.resolve("none.safetensors");
        SafetensorsWriter.write(file, List.of(), Map.of("k", "v"));
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.tensors()).isEmpty();
            assertThat(reader.metadata()).containsEntry("k", "v");
        }
    }

    @Test
    void layoutIsWhatOtherReadersExpect() throws IOException {
        FloatTensor a = new FloatTensor("a", new int[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5}, 0);
        FloatTensor b = new FloatTensor("b", new int[] {1}, new float[] {-1}, 0);
        Path file = dir.resolve("layout.safetensors");
        SafetensorsWriter.write(file, List.of(a, b), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) buf.getLong(0);
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}");
        assertThat(header.strip()).endsWith("}");
        assertThat(bytes.length).isEqualTo(8 + n + 28);
        assertThat(buf.getFloat(8 + n + 4 * 5)).isEqualTo(5f); // row-major, little endian
        assertThat(buf.getFloat(8 + n + 24)).isEqualTo(-1f);
    }

    @Test
    void readsViewsAndWritesIntoViewsOfALargerBuffer() throws IOException {
        float[] flat = {9, 1, 2, 3, 4, 9};
        FloatTensor view = new FloatTensor("w", new int[] {2, 2}, flat, 1);
        Path file = dir.resolve("view.safetensors");
        SafetensorsWriter.write(file, List.of(view), Map.of());
        float[] target = new float[7];
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            reader.readInto(new FloatTensor("w", new int[] {2, 2}, target, 3));
            assertThatThrownBy(() -> reader.readInto(new FloatTensor("w", new int[] {4}, target, 0)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("has shape [2, 2], expected [4]");
            assertThatThrownBy(() -> reader.read("nope")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("no tensor named nope");
        }
        assertThat(target).containsExactly(0, 0, 0, 1, 2, 3, 4);
    }

    @Test
    void streamingWriteAsksForOneTensorAtATime() throws IOException {
        List<String> asked = new ArrayList<>();
        List<SafetensorsWriter.Spec> specs = List.of(new SafetensorsWriter.Spec("x", new int[] {3}),
                new SafetensorsWriter.Spec("y", new int[] {2, 1}));
        Path file = dir.resolve("stream.safetensors");
        SafetensorsWriter.write(file, specs, Map.of(), spec -> {
            asked.add(spec.name());
            FloatTensor t = FloatTensor.allocate(spec.name(), spec.shape());
            Arrays.fill(t.data(), asked.size());
            return t;
        });
        assertThat(asked).containsExactly("x", "y");
        Map<String, FloatTensor> back = SafetensorsReader.readAll(file);
        assertThat(back.get("x").data()).containsExactly(1, 1, 1);
        assertThat(back.get("y").data()).containsExactly(2, 2);
    }

    @Test
    void writerRefusesCallerBugsAndLeavesNoFile() {
        FloatTensor t = FloatTensor.allocate("t", 2);
        Path file = dir.resolve("bad.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(t, t), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(t), Map.of("format", "np")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(new SafetensorsWriter.Spec("t", new int[] {2})),
                Map.of(), spec -> FloatTensor.allocate("t", 3))).isInstanceOf(IllegalStateException.class);
        assertThat(dir.toFile().list()).isEmpty(); // the temporary file is gone too
    }

    // ---------------------------------------------------------------- other dtypes (files built by hand)

    @Test
    void readsF16Bf16AndF64AsFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(2 * 3 + 2 * 2 + 8 * 1).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001); // 1, -2, 2^-24
        data.putShort((short) 0x3f80).putShort((short) 0x4049); // 1, 3.140625
        data.putDouble(0.1);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[10,18]}}";
        Path file = raw("mixed.safetensors", header, data.array());
        Map<String, FloatTensor> back = SafetensorsReader.readAll(file);
        assertThat(back.get("h").data()).containsExactly(1f, -2f, 0x1p-24f);
        assertThat(back.get("b").data()).containsExactly(1f, 3.140625f);
        assertThat(back.get("d").data()).containsExactly(0.1f);
    }

    /** Large tensors are mapped in windows; tiny windows must stitch the same values back together. */
    @Test
    void windowedReadsEqualWholeReads() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4 * 10 + 2 * 10 + 8 * 10).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 10; i++) {
            data.putFloat(i * 0.5f);
        }
        for (int i = 0; i < 10; i++) {
            data.putShort(HalfFloats.floatToHalf(i * 0.25f));
        }
        for (int i = 0; i < 10; i++) {
            data.putDouble(i * 2.0);
        }
        String header = "{\"f\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,5],\"data_offsets\":[40,60]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[10],\"data_offsets\":[60,140]}}";
        Path file = raw("windows.safetensors", header, data.array());
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            for (TensorInfo t : reader.tensors()) {
                float[] whole = reader.read(t).data();
                for (int window : new int[] {8, 16, 24}) {
                    float[] pieces = new float[12];
                    reader.readInto(t, pieces, 2, window);
                    assertThat(Arrays.copyOfRange(pieces, 2, 12)).as(t.name() + " window " + window)
                            .containsExactly(whole);
                }
            }
            assertThat(reader.read("h").data()).containsExactly(0f, 0.25f, 0.5f, 0.75f, 1f, 1.25f, 1.5f, 1.75f, 2f, 2.25f);
        }
    }

    @Test
    void listsButRefusesToReadIntegerTensors() throws IOException {
        Path file = raw("ints.safetensors", "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
                new byte[16]);
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            assertThat(reader.info("ids").dtype()).isEqualTo(SafetensorsDtype.I64);
            assertThatThrownBy(() -> reader.read("ids")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("tensor ids has dtype I64");
        }
    }

    // ---------------------------------------------------------------- hostile files

    @Test
    void refusesFilesShorterThanTheLengthField() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertRefused(file, "shorter than the 8-byte header length");
    }

    @Test
    void refusesAHeaderLengthPastTheEnd() throws IOException {
        assertRefused(rawWithLength("past.safetensors", 1000, "{}".getBytes(StandardCharsets.UTF_8)),
                "runs past the end");
    }

    @Test
    void refusesHugeHeaderLengthsWithoutAllocating() throws IOException {
        assertRefused(rawWithLength("huge.safetensors", 100_000_001L, new byte[8]), "exceeds the 100,000,000-byte limit");
        assertRefused(rawWithLength("neg.safetensors", -8L, new byte[8]), "18446744073709551608");
        assertRefused(rawWithLength("max.safetensors", Long.MAX_VALUE, new byte[8]), "exceeds");
    }

    @Test
    void refusesHeadersThatAreNotJsonObjects() throws IOException {
        assertRefused(raw("notjson.safetensors", "{\"a\": nope}", new byte[0]), "invalid JSON");
        assertRefused(raw("array.safetensors", "[]      ", new byte[0]), "does not start with '{'");
        assertRefused(raw("space.safetensors", " {}", new byte[0]), "does not start with '{'");
        assertRefused(raw("trailing.safetensors", "{} x", new byte[0]), "unexpected text after");
        assertRefused(rawBytes("utf8.safetensors", new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'},
                new byte[0]), "not valid UTF-8");
    }

    @Test
    void refusesDuplicateKeys() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertRefused(raw("dup.safetensors", "{\"a\":" + entry + ",\"a\":" + entry + "}", new byte[4]),
                "duplicate key \"a\"");
    }

    @Test
    void refusesBadMetadata() throws IOException {
        assertRefused(raw("meta.safetensors", "{\"__metadata__\":{\"step\":3}}", new byte[0]),
                "__metadata__ value of \"step\" is not a string");
        assertRefused(raw("meta2.safetensors", "{\"__metadata__\":[\"x\"]}", new byte[0]),
                "__metadata__ must be an object");
    }

    @Test
    void refusesUnknownDtypes() throws IOException {
        assertRefused(raw("dtype.safetensors", "{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[4]), "unknown dtype \"F31\"");
    }

    @Test
    void messagesStayOnOneLineWhateverTheNames() throws IOException {
        Path file = raw("names.safetensors", "{\"bad\\nname\":{\"dtype\":\"X\\n\",\"shape\":[],\"data_offsets\":[0,4]}}",
                new byte[4]);
        assertThatThrownBy(() -> SafetensorsReader.readAll(file)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("tensor bad\\u000aname: unknown dtype \"X\\n\"")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void refusesMalformedEntries() throws IOException {
        assertRefused(raw("e1.safetensors", "{\"a\":3}", new byte[0]), "tensor a: entry must be an object");
        assertRefused(raw("e2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", new byte[0]),
                "missing or non-list shape");
        assertRefused(raw("e3.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
                new byte[0]), "must hold non-negative integers");
        assertRefused(raw("e4.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,0]}}",
                new byte[0]), "must hold non-negative integers");
        assertRefused(raw("e5.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
                new byte[4]), "data_offsets must be a list [begin, end]");
        assertRefused(raw("e6.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}",
                new byte[4]), "end 0 is before begin 4");
        assertRefused(raw("e7.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}", new byte[4]),
                "must be non-negative integers");
    }

    @Test
    void refusesShapesThatDoNotMatchTheirBytes() throws IOException {
        assertRefused(raw("shape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}",
                new byte[12]), "data_offsets span 12 bytes but F32[2, 2] needs 16");
    }

    @Test
    void refusesShapesWhoseElementCountOverflows() throws IOException {
        String dims = "[2147483647,2147483647,2147483647]";
        assertRefused(raw("numel.safetensors", "{\"a\":{\"dtype\":\"F64\",\"shape\":" + dims
                + ",\"data_offsets\":[0,8]}}", new byte[8]), "too many");
    }

    @Test
    void refusesOverlappingAndGappedOffsets() throws IOException {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRefused(raw("overlap.safetensors", overlap, new byte[12]), "tensor b starts at byte 4 but the previous tensor ends at 8");
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertRefused(raw("gap.safetensors", gap, new byte[12]), "without gaps or overlaps");
        String notFromZero = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertRefused(raw("zero.safetensors", notFromZero, new byte[8]), "starts at byte 4 but the previous tensor ends at 0");
    }

    @Test
    void refusesTruncatedAndOverlongData() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertRefused(raw("trunc.safetensors", header, new byte[12]), "tensors cover 16 bytes of data but the file holds 12 (truncated?)");
        assertRefused(raw("long.safetensors", header, new byte[20]), "(trailing bytes)");
    }

    @Test
    void refusesMissingFilesAndDirectoriesClearly() {
        assertThatThrownBy(() -> SafetensorsReader.open(dir.resolve("absent.safetensors")))
                .isInstanceOf(InvalidInputException.class).hasMessageEndingWith("absent.safetensors: no such file");
        assertThatThrownBy(() -> SafetensorsReader.open(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is a directory");
    }

    /**
     * Random byte flips and truncations of a valid file either still read (the flip hit tensor data or
     * whitespace) or are refused with an InvalidInputException — never another exception or an OOM.
     */
    @Test
    void corruptedFilesAreReadOrRefusedNeverCrash() throws IOException {
        Path valid = dir.resolve("valid.safetensors");
        write(valid, randomTensors(new Random(7)), Map.of("a", "b"));
        byte[] original = Files.readAllBytes(valid);
        Path file = dir.resolve("mutant.safetensors");
        int[] readAndRefused = new int[2];
        qt().withFixedSeed(42L).withExamples(600).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            byte[] bytes = mutate(original, r);
            try {
                Files.write(file, bytes);
                SafetensorsReader.readAll(file);
                readAndRefused[0]++;
            } catch (InvalidInputException refused) {
                assertThat(refused.getMessage()).startsWith(file.toString()).doesNotContain("\n");
                readAndRefused[1]++;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(readAndRefused[0]).as("mutants read").isGreaterThan(10); // both paths exercised
        assertThat(readAndRefused[1]).as("mutants refused").isGreaterThan(10);
    }

    /** Flips a few bytes (mostly in the header, where they matter), truncates, or appends. */
    private static byte[] mutate(byte[] original, Random r) {
        int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        switch (r.nextInt(4)) {
            case 0:
                return Arrays.copyOf(original, r.nextInt(original.length));
            case 1:
                return Arrays.copyOf(original, original.length + 1 + r.nextInt(16));
            default: {
                byte[] bytes = original.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    int at = r.nextInt(4) == 0 ? r.nextInt(bytes.length) : r.nextInt(headerEnd);
                    bytes[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) "{}[]\":,0123456789-e.\\ ".charAt(r.nextInt(22));
                }
                return bytes;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static List<FloatTensor> randomTensors(Random r) {
        List<FloatTensor> tensors = new ArrayList<>();
        for (int i = r.nextInt(5); i >= 0; i--) {
            int[] shape = new int[r.nextInt(4)];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = r.nextInt(6);
            }
            FloatTensor t = FloatTensor.allocate("model.t" + i + ".weight", shape);
            for (int j = 0; j < t.size(); j++) {
                t.set(j, randomFloat(r));
            }
            tensors.add(t);
        }
        return tensors;
    }

    /** Plain values, and the bit patterns a careless reader loses: NaN payloads, infinities, -0, subnormals. */
    static float randomFloat(Random r) {
        switch (r.nextInt(6)) {
            case 0: return Float.intBitsToFloat(0x7f800001 + r.nextInt(0x7fffff)); // NaN with a payload
            case 1: return Float.intBitsToFloat(0xffc00000 | r.nextInt(0x3fffff)); // negative quiet NaN
            case 2: return r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            case 3: return r.nextBoolean() ? -0.0f : Float.MIN_VALUE;
            default: return Float.intBitsToFloat(r.nextInt());
        }
    }

    static void assertSameBits(FloatTensor actual, FloatTensor expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        int[] a = new int[actual.size()];
        int[] e = new int[expected.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.floatToRawIntBits(actual.get(i));
            e[i] = Float.floatToRawIntBits(expected.get(i));
        }
        assertThat(a).as(expected.name()).containsExactly(e);
    }

    private static void write(Path file, List<FloatTensor> tensors, Map<String, String> metadata) {
        try {
            SafetensorsWriter.write(file, tensors, metadata);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, FloatTensor> read(Path file) {
        try {
            return new LinkedHashMap<>(SafetensorsReader.readAll(file));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void assertRefused(Path file, String fault) {
        assertThatThrownBy(() -> SafetensorsReader.readAll(file))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(fault);
    }

    private Path raw(String name, String header, byte[] data) throws IOException {
        return rawBytes(name, header.getBytes(StandardCharsets.UTF_8), data);
    }

    private Path rawBytes(String name, byte[] header, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header).put(data);
        Path file = dir.resolve(name);
        Files.write(file, buf.array());
        return file;
    }

    private Path rawWithLength(String name, long declaredLength, byte[] rest) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredLength).put(rest);
        Path file = dir.resolve(name);
        Files.write(file, buf.array());
        return file;
    }
}
