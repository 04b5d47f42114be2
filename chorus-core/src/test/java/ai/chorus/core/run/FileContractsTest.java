package ai.chorus.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The run's JSON files as the records read and write them: each fixture was written by Chorus before the files
 * had records (main@c68acc8's demo run, built from ObjectNode puts), so a record that reads it and writes it back
 * byte for byte keeps the file's contract: key order, absent and null keys, number formatting, indentation.
 */
class FileContractsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "results.json, ai.chorus.core.eval.EvalResults",
        "provenance-seed.json, ai.chorus.core.run.Provenance",
        "provenance-expert.json, ai.chorus.core.run.Provenance",
        "provenance-dense.json, ai.chorus.core.run.Provenance",
        "provenance-merge-ties.json, ai.chorus.core.run.Provenance",
        "provenance-merge-average.json, ai.chorus.core.run.Provenance",
        "inputs.json, ai.chorus.core.run.RunInputs"})
    void aFileWrittenBeforeTheRecordsIsWrittenBackByteForByte(String name, Class<?> type, @TempDir Path tmp)
            throws IOException, URISyntaxException {
        Path fixture = fixture(name);
        Path again = tmp.resolve(name);
        JsonFiles.write(again, JsonFiles.read(fixture, type));
        assertThat(Files.readString(again)).isEqualTo(Files.readString(fixture));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "provenance-seed.json, ai.chorus.core.run.TrainProvenance",
        "provenance-expert.json, ai.chorus.core.run.TrainProvenance",
        "provenance-merge-ties.json, ai.chorus.core.run.MergeProvenance"})
    void aProvenanceIsReadAsTheRecordOfItsKind(String name, Class<?> type) throws IOException, URISyntaxException {
        assertThat(JsonFiles.read(fixture(name), Provenance.class)).isInstanceOf(type);
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(Objects.requireNonNull(FileContractsTest.class.getResource("contracts/" + name), name).toURI());
    }
}
