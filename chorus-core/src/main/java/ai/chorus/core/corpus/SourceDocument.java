package ai.chorus.core.corpus;

/**
 * A document as a corpus reader yields it, before it gets an id and a split.
 *
 * @param text the text to train on
 * @param label an optional label kept for analysis only (never used for training); may be null
 * @param origin where it came from ("file.jsonl:17"), for error messages
 */
public record SourceDocument(String text, String label, String origin) {}
