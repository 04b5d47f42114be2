package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Plain text: one file, or a directory tree of {@code .txt}/{@code .md} files, one document per file.
 * Files are visited in sorted path order so the corpus reads the same way on every machine.
 * The label of a file in a tree is its top-level sub-directory (none for files at the root).
 */
public final class PlainTextCorpus implements Corpus {
    private final Path root;

    public PlainTextCorpus(Path root) {
        this.root = root;
    }

    @Override
    public String describe() {
        return "text:" + root;
    }

    @Override
    public Stream<SourceDocument> documents() {
        if (Files.isRegularFile(root)) {
            return Stream.of(root).map(p -> read(p, null)).filter(d -> d != null);
        }
        Stream<Path> files;
        try {
            files = Files.walk(root);
        } catch (IOException e) {
            throw new InvalidInputException("cannot list " + root + ": " + e.getMessage());
        }
        return files.filter(Files::isRegularFile)
                .filter(PlainTextCorpus::isText)
                .sorted()
                .map(p -> read(p, labelOf(p)))
                .filter(d -> d != null);
    }

    static boolean isText(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".txt") || n.endsWith(".md");
    }

    private String labelOf(Path p) {
        Path rel = root.relativize(p);
        return rel.getNameCount() > 1 ? rel.getName(0).toString() : null;
    }

    private static SourceDocument read(Path p, String label) {
        try {
            byte[] bytes = Files.readAllBytes(p);
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return text.isBlank() ? null : new SourceDocument(text, label, p.toString());
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(p + " is not valid UTF-8 text");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + p + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new InvalidInputException("cannot read " + p + ": " + e.getCause().getMessage());
        }
    }
}
