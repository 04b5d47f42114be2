package ai.chorus.core.corpus;

import java.util.stream.Stream;

/**
 * A source of documents, read lazily: a corpus larger than memory streams through.
 *
 * <p>Every call to {@link #documents()} starts again from the beginning; the caller closes the
 * stream. Problems with the input surface as {@link ai.chorus.engine.InvalidInputException}
 * naming the file (and line) at fault.
 */
public interface Corpus {
    /** A short description for summaries and run.json, e.g. "europarl" or "jsonl:/data/c4.jsonl.gz". */
    String describe();

    Stream<SourceDocument> documents();
}
