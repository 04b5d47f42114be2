package ai.chorus.core.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusReadersTest {
    @TempDir
    Path tmp;

    private static List<SourceDocument> all(Corpus c) {
        try (Stream<SourceDocument> s = c.documents()) {
            return s.toList();
        }
    }

    @Test
    void europarlStreamsFromTheClasspathResource() {
        try (Stream<SourceDocument> s = new EuroparlCorpus().documents()) {
            List<SourceDocument> first = s.limit(50).toList();
            assertThat(first).hasSize(50).allSatisfy(d -> {
                assertThat(d.text()).contains("\n\n");
                assertThat(d.label()).isNull();
            });
        }
    }

    @Test
    void jsonlReadsTextAndLabelAndSkipsBlankLines() throws IOException {
        Path f = tmp.resolve("c.jsonl");
        Files.writeString(f, "{\"body\":\"alpha\",\"d\":\"x\"}\n\n{\"body\":\"beta\",\"d\":7}\n");
        List<SourceDocument> docs = all(Corpora.open(f.toString(), "body", "d"));
        assertThat(docs).extracting(SourceDocument::text).containsExactly("alpha", "beta");
        assertThat(docs).extracting(SourceDocument::label).containsExactly("x", "7");
        assertThat(docs.get(1).origin()).isEqualTo(f + ":3");
    }

    @Test
    void gzippedJsonlIsRead() throws IOException {
        Path f = tmp.resolve("c.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("{\"text\":\"héllo 🎵\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(all(Corpora.open(f.toString(), "text", null))).extracting(SourceDocument::text)
                .containsExactly("héllo 🎵");
    }

    @Test
    void badJsonLineIsNamedWithFileAndLine() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\":\"ok\"}\n{not json\n");
        assertThatThrownBy(() -> all(Corpora.open(f.toString(), "text", null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(f + ":2").hasMessageContaining("not valid JSON");
    }

    @Test
    void missingTextFieldIsNamed() throws IOException {
        Path f = tmp.resolve("c.jsonl");
        Files.writeString(f, "{\"content\":\"ok\"}\n");
        assertThatThrownBy(() -> all(Corpora.open(f.toString(), "text", null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(f + ":1").hasMessageContaining("no field 'text'")
                .hasMessageContaining("--text-field");
    }

    @Test
    void corruptGzipIsRefusedClearly() throws IOException {
        Path f = tmp.resolve("c.jsonl.gz");
        Files.write(f, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3});
        assertThatThrownBy(() -> all(Corpora.open(f.toString(), "text", null)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(f.toString());
        Path notGzip = tmp.resolve("plain.jsonl.gz");
        Files.writeString(notGzip, "{\"text\":\"x\"}\n");
        assertThatThrownBy(() -> all(Corpora.open(notGzip.toString(), "text", null)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("gzip");
    }

    @Test
    void missingPathIsRefused() {
        assertThatThrownBy(() -> Corpora.open(tmp.resolve("nope").toString(), "text", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    }

    @Test
    void directoryTreeIsReadInSortedOrderWithFolderLabels() throws IOException {
        Files.createDirectories(tmp.resolve("b"));
        Files.createDirectories(tmp.resolve("a/deep"));
        Files.writeString(tmp.resolve("b/2.txt"), "two");
        Files.writeString(tmp.resolve("a/deep/1.md"), "one");
        Files.writeString(tmp.resolve("root.txt"), "root");
        Files.writeString(tmp.resolve("skip.bin"), "binary");
        Files.writeString(tmp.resolve("a/empty.txt"), "  \n");
        List<SourceDocument> docs = all(Corpora.open(tmp.toString(), null, null));
        assertThat(docs).extracting(SourceDocument::text).containsExactly("one", "two", "root");
        assertThat(docs).extracting(SourceDocument::label).containsExactly("a", "b", null);
    }

    @Test
    void labelFieldIsRefusedForNonJsonlCorpora() {
        assertThatThrownBy(() -> Corpora.open("europarl", "text", "lang"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--label-field");
    }
}
