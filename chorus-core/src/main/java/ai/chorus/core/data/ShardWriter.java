package ai.chorus.core.data;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends tokenized documents to little-endian token shards and the document index.
 *
 * <p>A shard holds at most {@code maxShardTokens} tokens so each maps in one region on JDK 17
 * (≤ 2 GiB). Every document is followed by the end-of-text token. Writes go into a staging
 * directory that the caller moves into place; nothing here is visible until then.
 */
public final class ShardWriter implements AutoCloseable {
    public static final long DEFAULT_MAX_SHARD_TOKENS = 256L << 20;

    private final Path dir;
    private final int tokenBytes;
    private final int endOfTextId;
    private final long maxShardTokens;
    private final OutputStream index;
    private final ByteBuffer record = ByteBuffer.allocate(DocumentRecord.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final List<DataMeta.Shard> shards = new ArrayList<>();
    private ByteBuffer tokenBuffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private OutputStream shard;
    private long shardTokens;
    private int documents;

    public ShardWriter(Path dir, int vocabSize, int endOfTextId, long maxShardTokens) throws IOException {
        this.dir = dir;
        this.tokenBytes = vocabSize <= 65536 ? 2 : 4;
        this.endOfTextId = endOfTextId;
        this.maxShardTokens = maxShardTokens;
        Files.createDirectories(dir);
        this.index = new BufferedOutputStream(Files.newOutputStream(dir.resolve(ShardReader.INDEX_FILE)), 1 << 16);
    }

    public int tokenBytes() {
        return tokenBytes;
    }

    /** Appends one document; returns its record. */
    public DocumentRecord append(DocumentId id, Split split, int label, int[] tokens) throws IOException {
        long needed = tokens.length + 1L;
        if (needed > maxShardTokens) {
            throw new IOException("a document of " + tokens.length + " tokens exceeds the shard size");
        }
        if (shard == null || shardTokens + needed > maxShardTokens) {
            openNextShard();
        }
        int bytes = Math.toIntExact(needed * tokenBytes);
        if (tokenBuffer.capacity() < bytes) {
            tokenBuffer = ByteBuffer.allocate(Math.max(bytes, tokenBuffer.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
        }
        tokenBuffer.clear();
        for (int t : tokens) {
            put(t);
        }
        put(endOfTextId);
        shard.write(tokenBuffer.array(), 0, tokenBuffer.position());
        DocumentRecord r = new DocumentRecord(documents++, id, split, label, shards.size() - 1, shardTokens, tokens.length);
        shardTokens += needed;
        record.clear();
        record.putLong(id.high()).putLong(id.low()).put((byte) split.ordinal()).put((byte) 0).putShort((short) 0)
                .putInt(label).putInt(r.shard()).putLong(r.offset()).putInt(r.length());
        index.write(record.array(), 0, DocumentRecord.BYTES);
        return r;
    }

    private void put(int token) {
        if (tokenBytes == 2) {
            tokenBuffer.putShort((short) token);
        } else {
            tokenBuffer.putInt(token);
        }
    }

    private void openNextShard() throws IOException {
        closeShard();
        String name = String.format("tokens-%05d.bin", shards.size());
        shards.add(new DataMeta.Shard(name, 0));
        shard = new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 20);
        shardTokens = 0;
    }

    private void closeShard() throws IOException {
        if (shard != null) {
            shard.close();
            int last = shards.size() - 1;
            shards.set(last, new DataMeta.Shard(shards.get(last).file(), shardTokens));
            shard = null;
        }
    }

    /** Shards written so far, with their final token counts once closed. */
    public List<DataMeta.Shard> shards() {
        return List.copyOf(shards);
    }

    @Override
    public void close() throws IOException {
        closeShard();
        index.close();
    }
}
