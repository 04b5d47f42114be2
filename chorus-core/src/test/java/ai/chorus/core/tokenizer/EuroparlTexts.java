package ai.chorus.core.tokenizer;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.EuroparlCorpus;
import ai.chorus.core.corpus.SourceDocument;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.corpus.SplitRatios;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Europarl documents by split, as the pipeline will assign them (split from the document id). */
final class EuroparlTexts {
    private EuroparlTexts() {}

    static List<String> of(Split split) {
        try (Stream<SourceDocument> docs = new EuroparlCorpus().documents()) {
            return docs.map(SourceDocument::text)
                    .filter(t -> SplitRatios.DEFAULT.splitOf(DocumentId.ofText(t)) == split)
                    .collect(Collectors.toList());
        }
    }

    static List<String> all() {
        try (Stream<SourceDocument> docs = new EuroparlCorpus().documents()) {
            return docs.map(SourceDocument::text).collect(Collectors.toList());
        }
    }
}
