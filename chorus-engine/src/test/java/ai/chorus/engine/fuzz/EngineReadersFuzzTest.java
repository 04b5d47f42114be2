package ai.chorus.engine.fuzz;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.io.Json;
import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.TensorInfo;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz tests of the engine's file readers (see docs/RELIABILITY.md). The contract: a reader returns a valid
 * object or throws {@link InvalidInputException}; any other exception (NullPointerException, an index out of
 * bounds, a negative array size, OutOfMemoryError from a declared size) is a finding.
 *
 * <p>{@code mvn verify} replays the committed inputs under {@code src/test/resources/.../EngineReadersFuzzTestInputs/}
 * (regression mode, milliseconds); {@code JAZZER_FUZZ=1} fuzzes one target for {@code maxDuration}.
 */
class EngineReadersFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("chorus-fuzz-engine");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the input where the reader expects its file, so the reader under test runs unchanged. */
    static Path file(String name, byte[] bytes) {
        Path f = DIR.resolve(name);
        try {
            Files.write(f, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        f.toFile().deleteOnExit();
        return f;
    }

    @FuzzTest(maxDuration = "30s")
    void safetensors(byte[] bytes) throws IOException {
        Path f = file("model.safetensors", bytes);
        try (SafetensorsReader r = SafetensorsReader.open(f)) {
            for (TensorInfo t : r.tensors()) {
                r.read(t); // the declared size was checked against the file, so this cannot run out of memory
            }
            r.metadata();
            r.shapes();
        } catch (InvalidInputException expected) {
            // a one-line refusal: the contract
        }
    }

    @FuzzTest(maxDuration = "30s")
    void json(byte[] bytes) {
        try {
            Json.parse(bytes, "fuzz.json");
        } catch (InvalidInputException expected) {
            // the contract
        }
    }

    @FuzzTest(maxDuration = "30s")
    void hfConfig(byte[] bytes) throws IOException {
        Path f = file(HfConfig.FILE_NAME, bytes);
        try {
            HfConfig.read(f).model();
        } catch (InvalidInputException expected) {
            // the contract
        }
    }
}
