package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

class PieceCacheTest {
    /** The cache agrees with a plain map of what was added since it last started afresh. */
    @Test
    void behavesLikeAMapThatForgetsEverythingWhenFull() {
        qt().withFixedSeed(42L).withExamples(300)
                .forAll(SourceDSL.lists().of(UnicodeText.validText(6)).ofSizeBetween(1, 200))
                .check(pieces -> {
                    PieceCache cache = new PieceCache(8);
                    Map<String, int[]> model = new HashMap<>();
                    for (String piece : pieces) {
                        String text = "«" + piece + "»"; // pieces are looked up inside longer text
                        int start = 1;
                        int end = 1 + piece.length();
                        int hash = WordTable.hash(text, start, end);
                        int found = cache.find(text, start, end, hash);
                        int[] expected = model.get(piece);
                        if ((found >= 0) != (expected != null)) {
                            return false;
                        }
                        if (found >= 0) {
                            int[] ids = new int[cache.idCount(found)];
                            cache.copyIds(found, ids, 0);
                            if (!Arrays.equals(ids, expected)) {
                                return false;
                            }
                        } else {
                            if (model.size() == 8) {
                                model.clear();
                            }
                            int[] ids = piece.chars().map(c -> c * 7).toArray(); // any ids, longer than 1
                            model.put(piece, ids);
                            cache.add(text, start, end, hash, ids, ids.length);
                        }
                    }
                    return true;
                });
    }

    @Test
    void growsItsArenasForLongPieces() {
        PieceCache cache = new PieceCache(1 << 10);
        List<String> pieces = List.of("x".repeat(5000), "y".repeat(9000), "z");
        for (String p : pieces) {
            int[] ids = new int[p.length()];
            Arrays.fill(ids, p.charAt(0));
            cache.add(p, 0, p.length(), WordTable.hash(p, 0, p.length()), ids, ids.length);
        }
        for (String p : pieces) {
            int found = cache.find(p, 0, p.length(), WordTable.hash(p, 0, p.length()));
            assertThat(found).isNotNegative();
            assertThat(cache.idCount(found)).isEqualTo(p.length());
        }
    }
}
