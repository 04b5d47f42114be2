package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes F32 safetensors files atomically: u64 LE header length N, N bytes of UTF-8 JSON padded with
 * spaces to a multiple of 8 (so the data is 8-byte aligned), then every tensor row-major, little endian,
 * in the order given. The header always carries {@code "__metadata__": {"format": "pt", ...}}, which
 * {@code transformers} requires.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_FLOATS = 1 << 14;

    private SafetensorsWriter() {}

    /** A tensor's name and shape, known before its values: the header is written first. */
    public record Spec(String name, int[] shape) {
        public Spec {
            shape = shape.clone();
            FloatTensor.numel(shape); // refuses negative dimensions
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public static Spec of(FloatTensor t) {
            return new Spec(t.name(), t.shape());
        }
    }

    /** Supplies one tensor's values when its turn comes, so a writer can stream tensors it computes. */
    @FunctionalInterface
    public interface Source {
        FloatTensor tensor(Spec spec) throws IOException;
    }

    /** Writes tensors that are all in memory. */
    public static void write(Path file, List<FloatTensor> tensors, Map<String, String> metadata) throws IOException {
        List<Spec> specs = new ArrayList<>(tensors.size());
        Map<String, FloatTensor> byName = new LinkedHashMap<>();
        for (FloatTensor t : tensors) {
            specs.add(Spec.of(t));
            byName.put(t.name(), t);
        }
        write(file, specs, metadata, spec -> byName.get(spec.name()));
    }

    /**
     * Writes {@code specs} in order, asking {@code source} for each tensor just before its bytes are
     * written; only one tensor needs to be in memory at a time.
     */
    public static void write(Path file, List<Spec> specs, Map<String, String> metadata, Source source)
            throws IOException {
        byte[] header = header(specs, metadata);
        AtomicFiles.write(file, out -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            out.write(length.array());
            out.write(header);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer floats = chunk.asFloatBuffer();
            for (Spec spec : specs) {
                FloatTensor t = source.tensor(spec);
                if (t == null || !Arrays.equals(t.shape(), spec.shape)) {
                    throw new IllegalStateException("source gave " + t + " for " + spec.name()
                            + Arrays.toString(spec.shape));
                }
                writeFloats(out, t, chunk, floats);
            }
        });
    }

    private static void writeFloats(OutputStream out, FloatTensor t, ByteBuffer chunk, FloatBuffer floats)
            throws IOException {
        int n = t.size();
        for (int done = 0; done < n; ) {
            int count = Math.min(CHUNK_FLOATS, n - done);
            floats.clear();
            floats.put(t.data(), t.offset() + done, count); // raw bits: NaN payloads survive
            out.write(chunk.array(), 0, count * Float.BYTES);
            done += count;
        }
    }

    /** The padded header JSON for F32 tensors laid out contiguously in the given order. */
    static byte[] header(List<Spec> specs, Map<String, String> metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("__metadata__", metadataWithFormat(metadata));
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Spec spec : specs) {
            if (spec.name().equals("__metadata__") || !names.add(spec.name())) {
                throw new IllegalArgumentException("tensor name " + spec.name() + " is reserved or repeated");
            }
            long end = offset + FloatTensor.numel(spec.shape) * Float.BYTES;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            List<Object> shape = new ArrayList<>();
            for (int d : spec.shape) {
                shape.add((long) d);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, end));
            json.put(spec.name(), entry);
            offset = end;
        }
        byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) & ~7;
        if (padded > SafetensorsReader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors header of " + padded + " bytes is over the limit");
        }
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    private static Map<String, Object> metadataWithFormat(Map<String, String> metadata) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("format", "pt");
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().equals("format") && !"pt".equals(e.getValue())) {
                throw new IllegalArgumentException("metadata format must stay \"pt\" for transformers");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata value of " + e.getKey() + " is null");
            }
            all.put(e.getKey(), e.getValue());
        }
        return all;
    }
}
