package ai.chorus.core.run;

import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The run's JSON files as typed records ({@link Provenance}, {@link RunInputs}, {@code EvalResults}): written
 * pretty-printed with a final newline, atomically; read leniently (a field a newer Chorus added is ignored), with
 * Jackson's own exceptions, for the caller to turn into its one-line refusal.
 */
public final class JsonFiles {
    private static final ObjectMapper READER = RunSpec.JSON.copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private JsonFiles() {}

    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, RunSpec.JSON.writeValueAsString(value) + "\n");
    }

    public static <T> T read(Path file, Class<T> type) throws IOException {
        return READER.readValue(file.toFile(), type);
    }

    public static <T> T convert(JsonNode node, Class<T> type) throws IOException {
        return READER.treeToValue(node, type);
    }
}
