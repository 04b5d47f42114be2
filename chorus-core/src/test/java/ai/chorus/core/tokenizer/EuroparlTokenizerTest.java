package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real multilingual text: a slice of Europarl's train split, checked on held-out documents. */
class EuroparlTokenizerTest {
    @Test
    void trainsOnASliceAndRoundTripsHeldOutDocuments() {
        List<String> train = EuroparlTexts.of(Split.TRAIN).subList(0, 1500);
        BpeTokenizer t = new BpeTrainer(2048).train(train.stream(), Progress.NONE);
        assertThat(t.vocabSize()).isEqualTo(2048);
        List<String> heldOut = EuroparlTexts.of(Split.VALID);
        long bytes = 0;
        long tokens = 0;
        List<int[]> encoded = t.encodeDocuments(heldOut);
        for (int i = 0; i < heldOut.size(); i++) {
            assertThat(t.decode(encoded.get(i))).isEqualTo(heldOut.get(i));
            bytes += BpeTrainer.utf8Length(heldOut.get(i));
            tokens += encoded.get(i).length;
        }
        BpeTokenizerTest.ReferenceBpe reference = new BpeTokenizerTest.ReferenceBpe(t);
        for (String doc : heldOut.subList(0, 50)) {
            assertThat(t.encode(doc)).isEqualTo(reference.encode(doc));
        }
        // A 2k vocabulary on 21 languages still compresses well beyond bytes.
        assertThat((double) bytes / tokens).isGreaterThan(2.5);
    }
}
