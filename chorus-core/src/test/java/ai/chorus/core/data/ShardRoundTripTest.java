package ai.chorus.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.run.RunSpec;
import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardRoundTripTest {
    @TempDir
    Path tmp;

    private List<int[]> write(Path dir, int vocab, int docs, long maxShardTokens) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        List<int[]> written = new ArrayList<>();
        List<DataMeta.Shard> shards;
        try (ShardWriter w = new ShardWriter(dir, vocab, vocab - 1, maxShardTokens)) {
            for (int i = 0; i < docs; i++) {
                int[] t = rnd.ints(rnd.nextInt(0, 40), 0, vocab - 1).toArray();
                written.add(t);
                w.append(DocumentId.ofText("d" + i), Split.values()[i % 3], i % 4 == 0 ? -1 : i % 2, t);
            }
            w.close();
            shards = w.shards();
        }
        long total = written.stream().mapToLong(t -> t.length).sum();
        DataMeta meta = new DataMeta(DataMeta.FORMAT, vocab <= 65536 ? 2 : 4, vocab, vocab - 1, shards,
                Map.of("train", (long) docs, "valid", 0L, "test", 0L), Map.of("train", total, "valid", 0L, "test", 0L),
                Map.of(), List.of("a", "b"), 0);
        Files.writeString(dir.resolve(ShardReader.META_FILE), RunSpec.JSON.writeValueAsString(meta));
        return written;
    }

    @Test
    void tokensAndRecordsRoundTripAcrossShardsForBothWidths() throws IOException {
        for (int vocab : new int[] {8192, 70_000}) {
            Path dir = tmp.resolve("v" + vocab);
            List<int[]> written = write(dir, vocab, 300, 200);
            ShardReader r = ShardReader.open(dir);
            assertThat(r.meta().tokenBytes()).isEqualTo(vocab <= 65536 ? 2 : 4);
            assertThat(r.meta().shards().size()).isGreaterThan(1);
            assertThat(r.documentCount()).isEqualTo(300);
            for (int i = 0; i < 300; i++) {
                DocumentRecord d = r.document(i);
                assertThat(d.id()).isEqualTo(DocumentId.ofText("d" + i));
                assertThat(d.split()).isEqualTo(Split.values()[i % 3]);
                assertThat(r.tokens(d)).containsExactly(written.get(i));
                assertThat(d.label()).isEqualTo(i % 4 == 0 ? -1 : i % 2);
            }
            assertThat(r.documentsOf(Split.VALID)).hasSize(100);
        }
    }

    @Test
    void truncatedShardIsRefused() throws IOException {
        Path dir = tmp.resolve("t");
        write(dir, 8192, 50, 1 << 20);
        Path shard = dir.resolve("tokens-00000.bin");
        try (var ch = Files.newByteChannel(shard, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(shard) - 2);
        }
        assertThatThrownBy(() -> ShardReader.open(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("tokens-00000.bin").hasMessageContaining("prepare --force");
    }

    @Test
    void missingDataIsExplained() {
        assertThatThrownBy(() -> ShardReader.open(tmp)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("chorus prepare");
    }
}
