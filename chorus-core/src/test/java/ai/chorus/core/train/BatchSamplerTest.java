package ai.chorus.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.DataMeta;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.data.ShardWriter;
import ai.chorus.core.run.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSamplerTest {
    static final int EOT = 999;

    @TempDir
    Path tmp;

    ShardReader data;
    List<int[]> docs = new ArrayList<>();

    @BeforeEach
    void writeDocuments() throws IOException {
        try (ShardWriter w = new ShardWriter(tmp, 1000, EOT, 1 << 20)) {
            for (int i = 0; i < 23; i++) {
                // Document i holds tokens 10·i … 10·i + len − 1, so every token names its document.
                int len = (i * 7) % 10;
                int first = 10 * i;
                int[] t = IntStream.range(0, len).map(k -> first + k).toArray();
                docs.add(t);
                w.append(DocumentId.ofText("d" + i), Split.TRAIN, -1, t);
            }
            w.close();
            long tokens = docs.stream().mapToLong(t -> t.length).sum();
            DataMeta meta = new DataMeta(DataMeta.FORMAT, 2, 1000, EOT, w.shards(), Map.of("train", 23L),
                    Map.of("train", tokens), Map.of(), List.of(), 0);
            Files.writeString(tmp.resolve(ShardReader.META_FILE), RunSpec.JSON.writeValueAsString(meta));
        }
        data = ShardReader.open(tmp);
    }

    private int[] allDocs() {
        return IntStream.range(0, docs.size()).toArray();
    }

    @Test
    void oneEpochReadsEveryDocumentOnceWithItsSeparator() {
        long epochTokens = docs.stream().mapToLong(t -> t.length + 1).sum();
        int batch = 1;
        int seq = (int) epochTokens; // exactly one epoch in one row
        BatchSampler s = new BatchSampler(data, allDocs(), 5, batch, seq);
        int[] in = new int[seq];
        int[] tg = new int[seq];
        s.next(in, tg);
        // The stream is in[0], tg[0], tg[1], ...: split it at separators and compare as a multiset.
        List<String> seen = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int[] stream = new int[seq + 1];
        stream[0] = in[0];
        System.arraycopy(tg, 0, stream, 1, seq);
        for (int i = 0; i < seq; i++) { // the last element starts the next epoch
            if (stream[i] == EOT) {
                seen.add(current.toString());
                current.clear();
            } else {
                current.add(stream[i]);
            }
        }
        List<String> expected = docs.stream().map(d -> Arrays.toString(d)).sorted().toList();
        assertThat(seen.stream().sorted().toList()).isEqualTo(expected);
        assertThat(s.cursor().epoch()).isEqualTo(1);
    }

    @Test
    void targetsAreInputsShiftedAndRowsChain() {
        BatchSampler s = new BatchSampler(data, allDocs(), 1, 3, 8);
        int[] in = new int[24];
        int[] tg = new int[24];
        int previousLast = -1;
        for (int step = 0; step < 20; step++) {
            s.next(in, tg);
            for (int r = 0; r < 3; r++) {
                for (int t = 0; t + 1 < 8; t++) {
                    assertThat(tg[r * 8 + t]).isEqualTo(in[r * 8 + t + 1]);
                }
                if (previousLast >= 0) {
                    assertThat(in[r * 8]).isEqualTo(previousLast);
                }
                previousLast = tg[r * 8 + 7];
            }
        }
    }

    @Test
    void seekingToASavedCursorReproducesTheSameBatches() {
        BatchSampler a = new BatchSampler(data, allDocs(), 9, 2, 5);
        int[] in = new int[10];
        int[] tg = new int[10];
        for (int i = 0; i < 17; i++) {
            a.next(in, tg);
        }
        BatchSampler.Cursor saved = BatchSampler.Cursor.decode(a.cursor().encode());
        BatchSampler b = new BatchSampler(data, allDocs(), 9, 2, 5);
        b.seek(saved);
        int[] in2 = new int[10];
        int[] tg2 = new int[10];
        for (int i = 0; i < 40; i++) {
            a.next(in, tg);
            b.next(in2, tg2);
            assertThat(in2).isEqualTo(in);
            assertThat(tg2).isEqualTo(tg);
        }
    }

    @Test
    void orderDependsOnTheSeedOnly() {
        int[] x1 = new int[40];
        int[] x2 = new int[40];
        int[] x3 = new int[40];
        int[] t = new int[40];
        new BatchSampler(data, allDocs(), 3, 1, 40).next(x1, t);
        new BatchSampler(data, allDocs(), 3, 1, 40).next(x2, t);
        new BatchSampler(data, allDocs(), 4, 1, 40).next(x3, t);
        assertThat(x2).isEqualTo(x1);
        assertThat(x3).isNotEqualTo(x1);
    }
}
