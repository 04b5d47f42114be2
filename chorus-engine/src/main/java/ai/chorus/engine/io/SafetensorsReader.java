package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a safetensors file one tensor at a time: {@link #open} validates the whole header against the
 * file (nothing of the data is touched), then each {@code read*} call memory-maps just that tensor's
 * bytes, in windows below the 2 GiB a JDK 17 mapping allows, and converts them into a {@code float[]}.
 *
 * <p>Immutable after {@link #open}: threads may read different tensors at the same time.
 *
 * <p>Every fault in the file is an {@link InvalidInputException} naming the file and the fault; a
 * hostile header cannot make the reader allocate more than a small multiple of {@link #MAX_HEADER_BYTES},
 * and tensor data is allocated only as large as the (validated) file holds.
 */
public final class SafetensorsReader implements Closeable {
    /** The header limit of the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes mapped at once; a multiple of every dtype size, well below 2 GiB. */
    private static final int MAP_WINDOW_BYTES = 1 << 28;
    private static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final FileChannel channel;
    private final long fileLength;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;

    private SafetensorsReader(Path path, FileChannel channel, long fileLength, long dataStart,
            Map<String, String> metadata, List<TensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.fileLength = fileLength;
        this.dataStart = dataStart;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> names = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            names.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(names);
    }

    /** Opens and validates {@code path}; the caller closes the reader. */
    public static SafetensorsReader open(Path path) throws IOException {
        FileChannel channel = openChannel(path);
        boolean ok = false;
        try {
            long length = channel.size();
            String source = path.toString();
            if (length < 8) {
                throw new InvalidInputException(source + ": not a safetensors file (" + length
                        + " bytes, shorter than the 8-byte header length)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0); // u64 read as signed: a huge one is negative
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new InvalidInputException(source + ": header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the 100,000,000-byte limit (not a safetensors file, or corrupt)");
            }
            if (headerLength > length - 8) {
                throw new InvalidInputException(source + ": header length " + headerLength
                        + " runs past the end of the " + length + "-byte file (truncated or not safetensors)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            Parsed parsed = parseHeader(header.array(), length, source);
            SafetensorsReader reader = new SafetensorsReader(path, channel, length, 8 + headerLength,
                    parsed.metadata, parsed.tensors);
            ok = true;
            return reader;
        } finally {
            if (!ok) {
                channel.close();
            }
        }
    }

    /** Reads every tensor of a file as float, in file order. */
    public static Map<String, FloatTensor> readAll(Path path) throws IOException {
        try (SafetensorsReader reader = open(path)) {
            Map<String, FloatTensor> all = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) {
                all.put(t.name(), reader.read(t));
            }
            return all;
        }
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (empty when the header has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in the order of their bytes in the file. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The tensor of that name, or an InvalidInputException naming the file. */
    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw new InvalidInputException(path + ": no tensor named " + Json.printable(name));
        }
        return t;
    }

    public FloatTensor read(String name) throws IOException {
        return read(info(name));
    }

    /** One tensor as a fresh float array of its own. */
    public FloatTensor read(TensorInfo t) throws IOException {
        long numel = t.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException(path + ": tensor " + Json.printable(t.name()) + " has " + numel
                    + " elements, more than a Java array holds");
        }
        checkReadable(t);
        float[] data = new float[(int) numel];
        readInto(t, data, 0);
        return new FloatTensor(t.name(), t.shape(), data, 0);
    }

    /** Copies the tensor named like {@code target} into it, refusing a different shape. */
    public void readInto(FloatTensor target) throws IOException {
        TensorInfo t = info(target.name());
        if (!Arrays.equals(t.shape(), target.shape())) {
            throw new InvalidInputException(path + ": tensor " + Json.printable(t.name()) + " has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(target.shape()));
        }
        readInto(t, target.data(), target.offset());
    }

    /**
     * Fills every target from the tensor of the same name, after checking that the file holds exactly
     * these tensors with these shapes (nothing is copied when it does not).
     */
    public void readInto(List<FloatTensor> targets) throws IOException {
        Map<String, int[]> expected = new LinkedHashMap<>();
        for (FloatTensor t : targets) {
            if (expected.put(t.name(), t.shape()) != null) {
                throw new IllegalArgumentException("two targets named " + t.name());
            }
        }
        TensorSets.requireSame(path.toString(), expected, shapes());
        for (FloatTensor t : targets) {
            readInto(byName.get(t.name()), t.data(), t.offset());
        }
    }

    /** Name to shape of every tensor, in file order. */
    public Map<String, int[]> shapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            shapes.put(t.name(), t.shape());
        }
        return shapes;
    }

    /** Converts tensor {@code t} to float into {@code dst[offset ..]}. */
    public void readInto(TensorInfo t, float[] dst, int offset) throws IOException {
        readInto(t, dst, offset, MAP_WINDOW_BYTES);
    }

    /** As above, mapping at most {@code windowBytes} (a multiple of 8) at a time; tests use small windows. */
    void readInto(TensorInfo t, float[] dst, int offset, int windowBytes) throws IOException {
        checkReadable(t);
        long numel = t.numel();
        if (offset < 0 || numel > dst.length - (long) offset) {
            throw new IllegalArgumentException(t.name() + ": " + numel + " elements do not fit at " + offset
                    + " in an array of " + dst.length);
        }
        if (channel.size() != fileLength) {
            throw new InvalidInputException(path + ": file changed size while being read");
        }
        int elementSize = t.dtype().byteSize();
        long position = dataStart + t.begin();
        int at = offset;
        long remaining = t.byteLength();
        while (remaining > 0) {
            int window = (int) Math.min(remaining, windowBytes);
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, position, window);
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            int count = window / elementSize;
            convert(t.dtype(), mapped, dst, at, count);
            at += count;
            position += window;
            remaining -= window;
        }
    }

    private static void convert(SafetensorsDtype dtype, ByteBuffer src, float[] dst, int at, int count) {
        switch (dtype) {
            case F32:
                src.asFloatBuffer().get(dst, at, count); // a raw copy: NaN payloads survive
                break;
            case F16:
                for (int i = 0; i < count; i++) {
                    dst[at + i] = HalfFloats.halfToFloat(src.getShort(2 * i));
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    dst[at + i] = HalfFloats.bfloat16ToFloat(src.getShort(2 * i));
                }
                break;
            case F64:
                for (int i = 0; i < count; i++) {
                    dst[at + i] = (float) src.getDouble(8 * i);
                }
                break;
            default:
                throw new AssertionError(dtype);
        }
    }

    private void checkReadable(TensorInfo t) {
        if (!t.dtype().isReadableAsFloat()) {
            throw new InvalidInputException(path + ": tensor " + Json.printable(t.name()) + " has dtype " + t.dtype()
                    + "; only F32, F16, BF16 and F64 tensors can be read as float");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---------------------------------------------------------------- header validation

    private record Parsed(Map<String, String> metadata, List<TensorInfo> tensors) {}

    /** Validates a header (the N bytes after the length) against a file of {@code fileLength} bytes. */
    static Parsed parseHeader(byte[] header, long fileLength, String source) {
        String text = Json.decodeUtf8(header, 0, header.length, source + " (header)");
        if (!text.startsWith("{")) {
            throw new InvalidInputException(source + ": header does not start with '{' (not a safetensors file)");
        }
        Map<String, Object> json = Json.parseObject(text, source + " (header)");
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                readMetadata(e.getValue(), metadata, source);
            } else {
                tensors.add(readEntry(e.getKey(), e.getValue(), source));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expectedBegin = 0;
        for (TensorInfo t : tensors) {
            if (t.begin() != expectedBegin) {
                throw new InvalidInputException(source + ": tensor " + Json.printable(t.name()) + " starts at byte " + t.begin()
                        + " but the previous tensor ends at " + expectedBegin
                        + " (tensor data must be contiguous, without gaps or overlaps)");
            }
            expectedBegin = t.end();
        }
        long dataLength = fileLength - 8 - header.length;
        if (expectedBegin != dataLength) {
            throw new InvalidInputException(source + ": tensors cover " + expectedBegin + " bytes of data but the file holds "
                    + dataLength + (expectedBegin > dataLength ? " (truncated?)" : " (trailing bytes)"));
        }
        return new Parsed(metadata, tensors);
    }

    private static void readMetadata(Object value, Map<String, String> metadata, String source) {
        if (value == null) {
            return;
        }
        if (!(value instanceof Map)) {
            throw new InvalidInputException(source + ": __metadata__ must be an object of strings");
        }
        for (Map.Entry<?, ?> m : ((Map<?, ?>) value).entrySet()) {
            if (!(m.getValue() instanceof String)) {
                throw new InvalidInputException(source + ": __metadata__ value of \"" + m.getKey()
                        + "\" is not a string");
            }
            metadata.put((String) m.getKey(), (String) m.getValue());
        }
    }

    private static TensorInfo readEntry(String name, Object value, String source) {
        String where = source + ": tensor " + Json.printable(name);
        if (!(value instanceof Map)) {
            throw new InvalidInputException(where + ": entry must be an object with dtype, shape, data_offsets");
        }
        Map<?, ?> entry = (Map<?, ?>) value;
        Object dtypeName = entry.get("dtype");
        if (!(dtypeName instanceof String)) {
            throw new InvalidInputException(where + ": missing or non-string dtype");
        }
        SafetensorsDtype dtype = SafetensorsDtype.fromHeader((String) dtypeName);
        if (dtype == null) {
            throw new InvalidInputException(where + ": unknown dtype " + Json.write(dtypeName));
        }
        if (!(entry.get("shape") instanceof List)) {
            throw new InvalidInputException(where + ": missing or non-list shape");
        }
        List<?> dims = (List<?>) entry.get("shape");
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long) || (Long) d < 0 || (Long) d > Integer.MAX_VALUE) {
                throw new InvalidInputException(where + ": shape " + dims
                        + " must hold non-negative integers below 2^31");
            }
            shape[i] = (int) (long) (Long) d;
            numel = multiplyOrRefuse(numel, shape[i], where + ": shape " + dims + " has too many elements");
        }
        if (!(entry.get("data_offsets") instanceof List) || ((List<?>) entry.get("data_offsets")).size() != 2) {
            throw new InvalidInputException(where + ": data_offsets must be a list [begin, end]");
        }
        List<?> offsets = (List<?>) entry.get("data_offsets");
        if (!(offsets.get(0) instanceof Long) || !(offsets.get(1) instanceof Long)
                || (Long) offsets.get(0) < 0 || (Long) offsets.get(1) < 0) {
            throw new InvalidInputException(where + ": data_offsets " + offsets + " must be non-negative integers");
        }
        long begin = (Long) offsets.get(0);
        long end = (Long) offsets.get(1);
        if (end < begin) {
            throw new InvalidInputException(where + ": data_offsets end " + end + " is before begin " + begin);
        }
        long bytes = multiplyOrRefuse(numel, dtype.byteSize(), where + ": shape " + dims + " has too many bytes");
        if (end - begin != bytes) {
            throw new InvalidInputException(where + ": data_offsets span " + (end - begin) + " bytes but "
                    + dtype + Arrays.toString(shape) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long multiplyOrRefuse(long a, long b, String message) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException overflow) {
            throw new InvalidInputException(message);
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static FileChannel openChannel(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new InvalidInputException(path + ": is a directory, expected a .safetensors file");
        }
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InvalidInputException(path + ": permission denied");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
