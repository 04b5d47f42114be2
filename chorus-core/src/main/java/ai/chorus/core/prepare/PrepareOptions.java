package ai.chorus.core.prepare;

import ai.chorus.core.corpus.SplitRatios;
import ai.chorus.engine.InvalidInputException;

/**
 * What {@code chorus prepare} was asked to do.
 *
 * @param corpus "europarl" or a path (see {@link ai.chorus.core.corpus.Corpora})
 * @param textField JSONL text field
 * @param labelField JSONL label field, or null
 * @param split train/valid/test fractions
 * @param vocabSize tokenizer vocabulary size including the 256 byte tokens and specials
 * @param tokenizerSampleBytes at most this much train text (a uniform sample by document id) trains the tokenizer
 * @param force replace an existing prepared run (and drop everything derived from it)
 */
public record PrepareOptions(
        String corpus,
        String textField,
        String labelField,
        SplitRatios split,
        int vocabSize,
        long tokenizerSampleBytes,
        boolean force) {

    public static final int DEFAULT_VOCAB = 8192;
    public static final long DEFAULT_SAMPLE_BYTES = 64L << 20;

    public PrepareOptions {
        if (corpus == null || corpus.isBlank()) {
            throw new InvalidInputException("--corpus is required: 'europarl', a directory, or a .jsonl file");
        }
        if (vocabSize < 257) {
            throw new InvalidInputException("--vocab " + vocabSize
                    + " is too small: it must hold the 256 byte tokens and <|endoftext|>, so at least 257");
        }
        if (vocabSize > (1 << 24)) {
            throw new InvalidInputException("--vocab " + vocabSize + " is too large (at most 16777216)");
        }
        if (tokenizerSampleBytes < 1024) {
            throw new InvalidInputException("--tokenizer-sample-mb must be positive");
        }
    }

    public static PrepareOptions defaults(String corpus) {
        return new PrepareOptions(corpus, "text", null, SplitRatios.DEFAULT, DEFAULT_VOCAB, DEFAULT_SAMPLE_BYTES, false);
    }
}
