package ai.chorus.core.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * {@code data/meta.json}: what the token shards hold and how to read them.
 *
 * @param format always {@link #FORMAT}
 * @param tokenBytes 2 (uint16) or 4 (uint32), little-endian
 * @param vocabSize tokenizer vocabulary size
 * @param endOfTextId the separator written after every document
 * @param shards token files in shard order, each with its token count
 * @param documents documents per split
 * @param tokens tokens per split (separators excluded)
 * @param textBytes UTF-8 bytes per split
 * @param labels distinct label values; a document's label is an index into this list
 * @param duplicatesDropped exact duplicate documents skipped
 */
public record DataMeta(
        String format,
        @JsonProperty("token_bytes") int tokenBytes,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("end_of_text_id") int endOfTextId,
        List<Shard> shards,
        Map<String, Long> documents,
        Map<String, Long> tokens,
        @JsonProperty("text_bytes") Map<String, Long> textBytes,
        List<String> labels,
        @JsonProperty("duplicates_dropped") long duplicatesDropped) {

    public static final String FORMAT = "chorus-shards-v1";

    public record Shard(String file, long tokens) {}

    public long totalDocuments() {
        return documents.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalTokens() {
        return tokens.values().stream().mapToLong(Long::longValue).sum();
    }
}
