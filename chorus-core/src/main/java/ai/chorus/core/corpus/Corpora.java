package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens a corpus from what the user typed after {@code --corpus}. */
public final class Corpora {
    public static final String EUROPARL = "europarl";

    private Corpora() {}

    /**
     * @param spec "europarl", a directory of .txt/.md files, a .txt/.md file, or a .jsonl[.gz] file
     * @param textField the JSONL text field (default "text")
     * @param labelField the JSONL label field, or null
     */
    public static Corpus open(String spec, String textField, String labelField) {
        if (EUROPARL.equals(spec)) {
            if (labelField != null) {
                throw new InvalidInputException("--label-field applies to JSONL corpora only; europarl has no labels");
            }
            return new EuroparlCorpus();
        }
        Path path = Path.of(spec);
        if (!Files.exists(path)) {
            throw new InvalidInputException("--corpus " + spec + " does not exist; give 'europarl', a directory of "
                    + ".txt/.md files, a .txt/.md file, or a .jsonl / .jsonl.gz file");
        }
        if (!Files.isReadable(path)) {
            throw new InvalidInputException("--corpus " + spec + " is not readable");
        }
        if (Files.isDirectory(path)) {
            requireNoLabel(labelField, spec);
            return new PlainTextCorpus(path);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".jsonl.gz") || name.endsWith(".ndjson")
                || name.endsWith(".ndjson.gz") || name.endsWith(".json.gz")) {
            return new JsonlCorpus(path, textField == null ? "text" : textField, labelField);
        }
        if (PlainTextCorpus.isText(path)) {
            requireNoLabel(labelField, spec);
            return new PlainTextCorpus(path);
        }
        throw new InvalidInputException("--corpus " + spec + ": unknown file type; use .jsonl, .jsonl.gz, .txt, .md "
                + "or a directory of .txt/.md files");
    }

    private static void requireNoLabel(String labelField, String spec) {
        if (labelField != null) {
            throw new InvalidInputException("--label-field applies to JSONL corpora only, not " + spec
                    + " (in a directory tree the label is the top-level folder)");
        }
    }
}
