package ai.chorus.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clustering fit — IDF, sketch SVD, fine centroids, expert grouping — sees only train documents: replace
 * the text of every valid/test document with words no train document has, and the fitted files are
 * byte-identical; only the held-out documents' own assignments may move.
 */
class ClusterFitSeesOnlyTrainTest {
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(600, 4, 30, 80, 0.6, 5);
    private static final List<String> FITTED = List.of("vectorizer.safetensors", "centroids.safetensors");

    private static ClusterOptions options() {
        return ClusterOptions.defaults(4).withFine(16).withBuckets(1 << 14).withDims(32).withSeed(3).withThreads(2);
    }

    /** The corpus with each held-out document's text replaced by marker words of its own. */
    private static Supplier<Stream<ClusterInput>> heldOutReplaced() {
        return () -> CORPUS.inputs().get().map(d -> d.split() == Split.TRAIN ? d
                : new ClusterInput(d.docIndex(), d.split(), d.label(),
                        ("heldoutmarker" + d.docIndex() + " zzunseen qqneverintrain ").repeat(20), d.tokens()));
    }

    @Test
    void heldOutTextChangesNoFittedByteAndNoTrainAssignment(@TempDir Path dir) throws Exception {
        Path original = dir.resolve("original");
        Path replaced = dir.resolve("replaced");
        ClusterStep.run(CORPUS.inputs(), original, options(), Progress.NONE);
        ClusterStep.run(heldOutReplaced(), replaced, options(), Progress.NONE);
        for (String f : FITTED) {
            assertThat(Files.readAllBytes(replaced.resolve(f))).as(f).isEqualTo(Files.readAllBytes(original.resolve(f)));
        }

        long train = CORPUS.inputs().get().filter(d -> d.split() == Split.TRAIN).count();
        assertThat(train).isBetween(400L, 590L); // both sides are populated
        assertThat(ClusterModel.load(replaced).vectorizer().trainDocuments()).isEqualTo(train);

        ClusterAssignments a = ClusterAssignments.read(original);
        ClusterAssignments b = ClusterAssignments.read(replaced);
        int heldOutMoved = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.split(i) == Split.TRAIN) {
                assertThat(b.fine(i)).as("train document %d", a.docIndex(i)).isEqualTo(a.fine(i));
            } else {
                heldOutMoved += a.fine(i) != b.fine(i) ? 1 : 0;
            }
        }
        // the replaced held-out texts did reach the assignment pass (they all embed the same way now)
        assertThat(heldOutMoved).isPositive();
    }
}
