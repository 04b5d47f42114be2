package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pieces a client sees, streamed or not: they concatenate to the text cut before the first stop
 * sequence to complete, and nothing that could still become a stop sequence is ever sent early.
 */
class StopTrackerTest {

    /** A random text revealed in random steps, with random stop sequences over the same small alphabet. */
    private record Case(String text, List<Integer> reveals, List<String> stops) {}

    private static Case randomCase(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String alphabet = "ab c";
        StringBuilder text = new StringBuilder();
        int length = r.nextInt(0, 40);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        List<Integer> reveals = new ArrayList<>();
        for (int end = 0; end < length; ) {
            end = Math.min(length, end + r.nextInt(1, 5));
            reveals.add(end);
        }
        List<String> stops = new ArrayList<>();
        int count = r.nextInt(0, 4);
        for (int s = 0; s < count; s++) {
            StringBuilder stop = new StringBuilder();
            int n = r.nextInt(1, 5);
            for (int i = 0; i < n; i++) {
                stop.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            stops.add(stop.toString());
        }
        return new Case(text.toString(), reveals, stops);
    }

    /** The reference: at the first reveal whose text holds a stop, cut at the leftmost stop it holds. */
    private static String expected(Case c) {
        for (int end : c.reveals()) {
            String seen = c.text().substring(0, end);
            int cut = -1;
            for (String stop : c.stops()) {
                int at = seen.indexOf(stop);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                return seen.substring(0, cut);
            }
        }
        return c.text();
    }

    @Test
    void piecesConcatenateToTheTextBeforeTheFirstStop() {
        qt().withFixedSeed(42L).withExamples(2000).forAll(longs().all()).checkAssert(seed -> {
            Case c = randomCase(seed);
            List<String> pieces = new ArrayList<>();
            StopTracker tracker = new StopTracker(c.stops(), pieces::add);
            boolean stopped = false;
            for (int end : c.reveals()) {
                if (tracker.update(c.text().substring(0, end))) {
                    stopped = true;
                    break;
                }
                // Nothing sent so far may contain a stop, or end in a prefix of one.
                String sent = String.join("", pieces);
                for (String stop : c.stops()) {
                    assertThat(sent).doesNotContain(stop);
                }
            }
            if (!stopped) {
                tracker.finish(c.text());
            }
            assertThat(pieces).doesNotContain("");
            assertThat(String.join("", pieces)).as("%s", c).isEqualTo(expected(c));
            assertThat(tracker.emittedLength()).isEqualTo(expected(c).length());
        });
    }

    @Test
    void holdsBackAnIncompleteCharacterUntilItsLastByte() {
        List<String> pieces = new ArrayList<>();
        StopTracker tracker = new StopTracker(List.of(), pieces::add);
        tracker.update("ab\uFFFD");
        assertThat(pieces).containsExactly("ab");
        tracker.update("abé");
        assertThat(pieces).containsExactly("ab", "é");
    }
}
