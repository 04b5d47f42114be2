package ai.chorus.core.cluster;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.SafetensorsWriter;
import ai.chorus.engine.io.TensorChecksum;
import ai.chorus.engine.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clustering's tensor files: safetensors, like the models, so one reader validates every tensor file
 * Chorus reads and {@code safetensors.numpy.load_file} opens them. What is not a tensor (the format's
 * name and version, seeds, descriptions) is a string in the header's {@code __metadata__}, beside a CRC-32C
 * of everything ({@link TensorChecksum}): a flipped bit in a centroid would route silently otherwise.
 */
final class ClusterFiles {
    static final String FORMAT_KEY = "chorus_format";
    static final String VERSION_KEY = "chorus_version";

    private ClusterFiles() {}

    /** A file's metadata and tensors, read whole and checked against its format. */
    record Contents(Path file, Map<String, String> metadata, Map<String, FloatTensor> tensors) {
        /** The tensor of that name with {@code rank} dimensions, or an InvalidInputException. */
        FloatTensor tensor(String name, int rank) {
            FloatTensor t = tensors.get(name);
            if (t == null || t.shape().length != rank) {
                throw corrupt(file, "has no " + rank + "-dimensional tensor " + name);
            }
            return t;
        }

        /** A whole-number metadata field, or an InvalidInputException. */
        long number(String key) {
            try {
                return Long.parseLong(metadata.getOrDefault(key, ""));
            } catch (NumberFormatException e) {
                throw corrupt(file, "has no number " + key + " in its metadata");
            }
        }

        String text(String key) {
            String value = metadata.get(key);
            if (value == null) {
                throw corrupt(file, "has no " + key + " in its metadata");
            }
            return value;
        }
    }

    static void write(Path file, String format, int version, Map<String, String> metadata, List<FloatTensor> tensors)
            throws IOException {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("format", "pt"); // the writer adds it anyway; here so that the checksum covers the whole header
        all.put(FORMAT_KEY, format);
        all.put(VERSION_KEY, Integer.toString(version));
        all.putAll(metadata);
        all.put(TensorChecksum.KEY, TensorChecksum.of(all, tensors));
        SafetensorsWriter.write(file, tensors, all);
    }

    /**
     * Reads {@code dir/name}. A missing file is a run not clustered yet, or, where the file {@code legacy} of
     * the former format is there instead, a run clustered by an older Chorus: either way one line saying what
     * to run.
     */
    static Contents read(Path dir, String name, String legacy, String format, int version) {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Path old = dir.resolve(legacy);
            if (Files.exists(old)) {
                throw new InvalidInputException(old + " was written by an older Chorus, which kept the clusters in"
                        + " another format; re-cluster with `chorus cluster --run " + dir.toAbsolutePath().getParent()
                        + " --force`");
            }
            throw new InvalidInputException(file + " is missing; run `chorus cluster` first");
        }
        Contents contents;
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            Map<String, FloatTensor> tensors = new LinkedHashMap<>();
            for (TensorInfo t : reader.tensors()) {
                tensors.put(t.name(), reader.read(t));
            }
            contents = new Contents(file, reader.metadata(), tensors);
        } catch (InvalidInputException e) { // the reader's message names the file and the fault
            throw new InvalidInputException(e.getMessage() + "; re-run `chorus cluster`", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e.getMessage() + "; re-run `chorus cluster`", e);
        }
        Map<String, String> metadata = contents.metadata();
        if (!format.equals(metadata.get(FORMAT_KEY)) || !Integer.toString(version).equals(metadata.get(VERSION_KEY))) {
            throw new InvalidInputException(file + " is not a " + format + " version " + version
                    + " file; re-run `chorus cluster` with this version of Chorus");
        }
        String checksum = TensorChecksum.of(metadata, List.copyOf(contents.tensors().values()));
        if (!checksum.equals(metadata.get(TensorChecksum.KEY))) {
            throw corrupt(file, "does not match the checksum written with it");
        }
        return contents;
    }

    static InvalidInputException corrupt(Path file, String what) {
        return new InvalidInputException(file + " " + what + "; the clusters directory is corrupt, re-run"
                + " `chorus cluster`");
    }
}
