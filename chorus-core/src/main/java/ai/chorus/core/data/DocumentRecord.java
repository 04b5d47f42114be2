package ai.chorus.core.data;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;

/**
 * One row of the document index: where a document's tokens live and which split it belongs to.
 *
 * @param index position in the index (0-based), the handle every later step uses
 * @param id content hash of the text
 * @param split train, valid or test
 * @param label index into {@link DataMeta#labels()}, or -1 when the document has no label
 * @param shard which token file holds it
 * @param offset token offset inside that shard
 * @param length token count, not counting the {@code <|endoftext|>} that always follows it
 */
public record DocumentRecord(int index, DocumentId id, Split split, int label, int shard, long offset, int length) {
    /** Bytes per record in {@code documents.bin}. */
    public static final int BYTES = 40;
}
