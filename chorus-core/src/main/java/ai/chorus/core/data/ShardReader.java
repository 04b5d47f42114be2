package ai.chorus.core.data;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads prepared token shards and the document index by memory mapping. Validates sizes on open so
 * a truncated or mismatched {@code data/} folder is refused with a clear message instead of
 * yielding garbage tokens.
 */
public final class ShardReader {
    public static final String META_FILE = "meta.json";
    public static final String INDEX_FILE = "documents.bin";

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final DataMeta meta;
    private final MappedByteBuffer index;
    private final MappedByteBuffer[] shards;
    private final int documentCount;

    private ShardReader(Path dir, DataMeta meta, MappedByteBuffer index, MappedByteBuffer[] shards) {
        this.dir = dir;
        this.meta = meta;
        this.index = index;
        this.shards = shards;
        this.documentCount = index.capacity() / DocumentRecord.BYTES;
    }

    /** Opens {@code dataDir} (a run's {@code data/}), checking that every file is complete. */
    public static ShardReader open(Path dataDir) {
        Path metaFile = dataDir.resolve(META_FILE);
        if (!Files.isRegularFile(metaFile)) {
            throw new InvalidInputException(dataDir + " holds no prepared data (no " + META_FILE
                    + "); run 'chorus prepare --run DIR' first");
        }
        DataMeta meta;
        try {
            meta = JSON.readValue(metaFile.toFile(), DataMeta.class);
        } catch (IOException e) {
            throw new InvalidInputException(metaFile + " is not a valid data description (" + e.getMessage()
                    + "); re-run 'chorus prepare --force'");
        }
        if (!DataMeta.FORMAT.equals(meta.format()) || (meta.tokenBytes() != 2 && meta.tokenBytes() != 4)
                || meta.shards() == null) {
            throw new InvalidInputException(metaFile + " has an unknown format; re-run 'chorus prepare --force'");
        }
        try {
            MappedByteBuffer index = map(dataDir.resolve(INDEX_FILE));
            if (index.capacity() % DocumentRecord.BYTES != 0
                    || index.capacity() / DocumentRecord.BYTES != meta.totalDocuments()) {
                throw new InvalidInputException(dataDir.resolve(INDEX_FILE) + " does not match " + META_FILE
                        + " (truncated?); re-run 'chorus prepare --force'");
            }
            List<DataMeta.Shard> list = meta.shards();
            MappedByteBuffer[] shards = new MappedByteBuffer[list.size()];
            for (int i = 0; i < shards.length; i++) {
                Path file = dataDir.resolve(list.get(i).file());
                shards[i] = map(file);
                if (shards[i].capacity() != list.get(i).tokens() * meta.tokenBytes()) {
                    throw new InvalidInputException(file + " has " + shards[i].capacity() + " bytes, expected "
                            + list.get(i).tokens() * meta.tokenBytes() + "; re-run 'chorus prepare --force'");
                }
            }
            return new ShardReader(dataDir, meta, index, shards);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read prepared data in " + dataDir + ": " + e.getMessage());
        }
    }

    private static MappedByteBuffer map(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + " is missing; re-run 'chorus prepare --force'");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new InvalidInputException(file + " is larger than one mappable region (2 GiB)");
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            b.order(ByteOrder.LITTLE_ENDIAN);
            return b;
        }
    }

    public DataMeta meta() {
        return meta;
    }

    public Path dir() {
        return dir;
    }

    public int documentCount() {
        return documentCount;
    }

    public DocumentRecord document(int i) {
        int at = i * DocumentRecord.BYTES;
        long high = index.getLong(at);
        long low = index.getLong(at + 8);
        int split = index.get(at + 16);
        int label = index.getInt(at + 20);
        int shard = index.getInt(at + 24);
        long offset = index.getLong(at + 28);
        int length = index.getInt(at + 36);
        if (split < 0 || split > 2 || shard < 0 || shard >= shards.length || length < 0 || offset < 0
                || (offset + length + 1) * meta.tokenBytes() > shards[shard].capacity()
                || label < -1 || (meta.labels() != null && label >= meta.labels().size())) {
            throw new InvalidInputException(dir.resolve(INDEX_FILE) + " record " + i
                    + " is corrupt; re-run 'chorus prepare --force'");
        }
        return new DocumentRecord(i, new DocumentId(high, low), Split.ofCode(split), label, shard, offset, length);
    }

    /** The label text of a document, or null. */
    public String label(DocumentRecord d) {
        return d.label() < 0 ? null : meta.labels().get(d.label());
    }

    /** Copies a document's tokens (without the trailing separator) into {@code dst} at {@code at}. */
    public void readTokens(DocumentRecord d, int[] dst, int at) {
        MappedByteBuffer s = shards[d.shard()];
        int pos = Math.toIntExact(d.offset() * meta.tokenBytes());
        if (meta.tokenBytes() == 2) {
            for (int i = 0; i < d.length(); i++) {
                dst[at + i] = Short.toUnsignedInt(s.getShort(pos + 2 * i));
            }
        } else {
            for (int i = 0; i < d.length(); i++) {
                dst[at + i] = s.getInt(pos + 4 * i);
            }
        }
        // An id beyond the vocabulary would fail deep inside a step (an embedding row, a tokenizer lookup);
        // one compare per token is nothing next to what any step does with it.
        int vocab = meta.vocabSize();
        for (int i = at; i < at + d.length(); i++) {
            if (dst[i] < 0 || dst[i] >= vocab) {
                throw new InvalidInputException(dir.resolve(meta.shards().get(d.shard()).file()) + " holds token id "
                        + Integer.toUnsignedString(dst[i]) + " in document " + d.index() + ", beyond the vocabulary of "
                        + vocab + "; re-run 'chorus prepare --force'");
            }
        }
    }

    public int[] tokens(DocumentRecord d) {
        int[] t = new int[d.length()];
        readTokens(d, t, 0);
        return t;
    }

    public int[] documentsOf(Split split) {
        return IntStream.range(0, documentCount)
                .filter(i -> index.get(i * DocumentRecord.BYTES + 16) == split.ordinal()).toArray();
    }
}
