package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * What a trainer needs to resume exactly, as one safetensors file: any float tensors (AdamW moments, by
 * convention named {@code m/<param>} and {@code v/<param>}) and string scalars (step, RNG state, data cursor,
 * …) stored in the header metadata. The trainer decides the contents; this class only guarantees that
 * every float comes back bit for bit and that a file of another kind is refused.
 */
public final class TrainingStateFile {
    /** Marks the file as a training state, so a model.safetensors is not taken for one. */
    static final String KIND_KEY = "chorus.kind";
    static final String KIND = "training-state";
    /** CRC-32C of the scalars and every tensor (name, shape, float bits), so a damaged file is named as such. */
    static final String CHECKSUM_KEY = TensorChecksum.KEY;

    private TrainingStateFile() {}

    public record TrainingState(Map<String, String> scalars, Map<String, FloatTensor> tensors) {}

    /** Writes atomically; scalar keys {@code format} and {@code chorus.kind} are reserved. */
    public static void save(Path file, Map<String, String> scalars, List<FloatTensor> tensors) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(KIND_KEY, KIND);
        for (Map.Entry<String, String> e : scalars.entrySet()) {
            if (e.getKey().equals(KIND_KEY) || e.getKey().equals(CHECKSUM_KEY) || e.getKey().equals("format")) {
                throw new IllegalArgumentException("training-state scalar name " + e.getKey() + " is reserved");
            }
            metadata.put(e.getKey(), e.getValue());
        }
        metadata.put(CHECKSUM_KEY, TensorChecksum.of(scalars, tensors));
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /** Reads the scalars and every tensor into fresh arrays. */
    public static TrainingState load(Path file) throws IOException {
        try (SafetensorsReader reader = openState(file)) {
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) {
                tensors.put(t.name(), reader.read(t));
            }
            Map<String, String> scalars = scalars(reader);
            verify(file, reader, scalars, List.copyOf(tensors.values()));
            return new TrainingState(scalars, Collections.unmodifiableMap(tensors));
        }
    }

    /**
     * Restores tensors into existing views (e.g. the optimizer's moment buffers), refusing missing, extra or
     * mis-shaped tensors before anything is copied; returns the scalars.
     */
    public static Map<String, String> loadInto(Path file, List<FloatTensor> targets) throws IOException {
        try (SafetensorsReader reader = openState(file)) {
            reader.readInto(targets);
            Map<String, String> scalars = scalars(reader);
            verify(file, reader, scalars, targets);
            return scalars;
        }
    }

    /** Views of the same storage renamed {@code prefix + name}, e.g. {@code prefixed("m/", moments)}. */
    public static List<FloatTensor> prefixed(String prefix, List<FloatTensor> tensors) {
        List<FloatTensor> renamed = new ArrayList<>(tensors.size());
        for (FloatTensor t : tensors) {
            renamed.add(new FloatTensor(prefix + t.name(), t.shape(), t.data(), t.offset()));
        }
        return renamed;
    }

    private static SafetensorsReader openState(Path file) throws IOException {
        SafetensorsReader reader = SafetensorsReader.open(file);
        if (!KIND.equals(reader.metadata().get(KIND_KEY))) {
            reader.close();
            throw new InvalidInputException(file + ": not a Chorus training-state file (no "
                    + KIND_KEY + "=" + KIND + " in its metadata)");
        }
        return reader;
    }

    private static Map<String, String> scalars(SafetensorsReader reader) {
        Map<String, String> scalars = new LinkedHashMap<>(reader.metadata());
        scalars.remove(KIND_KEY);
        scalars.remove("format");
        scalars.remove(CHECKSUM_KEY);
        return Collections.unmodifiableMap(scalars);
    }

    /** Refuses a file whose contents no longer match the checksum written with them (files without one pass). */
    private static void verify(Path file, SafetensorsReader reader, Map<String, String> scalars,
                               List<FloatTensor> tensors) {
        String recorded = reader.metadata().get(CHECKSUM_KEY);
        if (recorded != null && !recorded.equals(TensorChecksum.of(scalars, tensors))) {
            throw new InvalidInputException(file + " is corrupt (its contents do not match the checksum written with"
                    + " it); delete it to start over, or re-run with --force");
        }
    }
}
