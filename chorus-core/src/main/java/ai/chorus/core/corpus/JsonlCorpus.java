package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * One JSON object per line, optionally gzipped. The text comes from {@code textField}; an optional
 * {@code labelField} is kept as the document's label for analysis. Blank lines are skipped.
 */
public final class JsonlCorpus implements Corpus {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String textField;
    private final String labelField;

    public JsonlCorpus(Path file, String textField, String labelField) {
        this.file = file;
        this.textField = textField;
        this.labelField = labelField;
    }

    @Override
    public String describe() {
        return "jsonl:" + file;
    }

    @Override
    public Stream<SourceDocument> documents() {
        boolean gzip = file.getFileName().toString().endsWith(".gz");
        return LineReaders.lines(file.toString(), gzip, () -> Files.newInputStream(file), (line, lineNo) -> {
            if (line.isBlank()) {
                return null;
            }
            String where = file + ":" + lineNo;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException(where + " is not valid JSON ("
                        + e.getOriginalMessage() + "); every line of a .jsonl corpus must be one JSON object");
            }
            if (node == null || !node.isObject()) {
                throw new InvalidInputException(where + " is not a JSON object; every line must be one object");
            }
            JsonNode text = node.get(textField);
            if (text == null || text.isNull()) {
                throw new InvalidInputException(where + " has no field '" + textField
                        + "'; name the text field with --text-field");
            }
            if (!text.isTextual()) {
                throw new InvalidInputException(where + ": field '" + textField + "' is not a string");
            }
            String label = null;
            if (labelField != null) {
                JsonNode l = node.get(labelField);
                if (l == null || l.isNull()) {
                    throw new InvalidInputException(where + " has no label field '" + labelField
                            + "'; every document needs it when --label-field is given");
                }
                label = l.isValueNode() ? l.asText() : l.toString();
            }
            if (text.asText().isEmpty()) {
                return null;
            }
            return new SourceDocument(text.asText(), label, where);
        });
    }
}
