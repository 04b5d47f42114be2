package ai.chorus.core.prepare;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code chorus prepare} produced, for the summary line and {@code --json}.
 *
 * @param documents documents kept, all splits
 * @param tokens tokens, all splits (separators excluded)
 * @param documentsPerSplit train/valid/test document counts
 * @param tokensPerSplit train/valid/test token counts
 * @param vocabSize the tokenizer's actual vocabulary size
 * @param bytesPerToken UTF-8 bytes of text per token over the whole corpus
 * @param duplicatesDropped exact duplicate documents skipped
 * @param labels distinct labels seen (0 when the corpus has none)
 * @param tokenizerSeconds time spent training the tokenizer
 * @param seconds wall time of the whole step
 * @param runDir where it wrote
 */
public record PrepareResult(
        long documents,
        long tokens,
        Map<String, Long> documentsPerSplit,
        Map<String, Long> tokensPerSplit,
        int vocabSize,
        double bytesPerToken,
        long duplicatesDropped,
        int labels,
        double tokenizerSeconds,
        double seconds,
        Path runDir) {}
