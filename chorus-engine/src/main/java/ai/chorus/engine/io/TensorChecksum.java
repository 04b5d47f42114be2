package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The CRC-32C Chorus writes into the {@code __metadata__} of the safetensors files only it reads (training
 * states, the clustering's tensors), so a flipped bit is named as a corrupt file instead of being trained or
 * routed on. Model files carry none: they stay plain safetensors for every other loader.
 */
public final class TensorChecksum {
    /** The metadata key that holds the checksum. */
    public static final String KEY = "chorus.crc32c";

    private TensorChecksum() {}

    /**
     * CRC-32C over the metadata by key (without {@link #KEY} itself) and the tensors by name: name, shape and
     * every float's bits, so neither the order of the map nor that of the file changes it.
     */
    public static String of(Map<String, String> metadata, List<FloatTensor> tensors) {
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            if (e.getKey().equals(KEY)) {
                continue;
            }
            crc.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        List<FloatTensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(FloatTensor::name));
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (FloatTensor t : sorted) {
            crc.update((t.name() + Arrays.toString(t.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
            int n = (int) FloatTensor.numel(t.shape());
            float[] data = t.data();
            for (int i = 0; i < n; ) {
                buf.clear();
                int end = Math.min(n, i + buf.capacity() / Float.BYTES);
                for (; i < end; i++) {
                    buf.putInt(Float.floatToRawIntBits(data[t.offset() + i]));
                }
                buf.flip();
                crc.update(buf);
            }
        }
        return String.format("%08x", crc.getValue());
    }
}
