package ai.chorus.engine;

/**
 * The shape of a Llama decoder, with the Hugging Face {@code LlamaConfig} field names.
 *
 * <p>{@code num_key_value_heads} equals {@code num_attention_heads} for now (no GQA in training).
 */
public record ModelConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings) {

    public ModelConfig {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new InvalidInputException("hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if ((hiddenSize / numAttentionHeads) % 2 != 0) {
            throw new InvalidInputException("head_dim " + hiddenSize / numAttentionHeads
                    + " must be even for RoPE");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new InvalidInputException("num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new InvalidInputException("rms_norm_eps and rope_theta must be positive");
        }
    }

    /** A config with the Llama defaults the peer uses: eps 1e-5, theta 1e4, kv heads = heads, untied head. */
    public static ModelConfig of(int vocab, int dim, int layers, int heads, int ffn, int maxSeq) {
        return new ModelConfig(dim, ffn, layers, heads, heads, vocab, maxSeq, 1e-5, 10000.0, false);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Parameters, counting a tied embedding once. */
    public long parameterCount() {
        long d = hiddenSize;
        long kvDim = (long) numKeyValueHeads * headDim();
        long perLayer = 2 * d * d + 2 * d * kvDim + 3 * d * intermediateSize + 2 * d;
        long embed = (long) vocabSize * d;
        return embed + numHiddenLayers * perLayer + d + (tieWordEmbeddings ? 0 : embed);
    }

    /** Matmul parameters N as the peer counts them: block matmuls plus lm_head, no embedding lookup or norms. */
    public long matmulParameterCount() {
        long d = hiddenSize;
        long kvDim = (long) numKeyValueHeads * headDim();
        return numHiddenLayers * (2 * d * d + 2 * d * kvDim + 3 * d * intermediateSize) + (long) vocabSize * d;
    }

    /** Training FLOPs per token: 6N + 12·L·d·T (full T×T attention, as torch computes). */
    public double trainFlopsPerToken(int seqLen) {
        return 6.0 * matmulParameterCount() + 12.0 * numHiddenLayers * hiddenSize * (double) seqLen;
    }

    /** Inference FLOPs per token: 2N + 4·L·d·T. */
    public double inferFlopsPerToken(int seqLen) {
        return 2.0 * matmulParameterCount() + 4.0 * numHiddenLayers * hiddenSize * (double) seqLen;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException(name + " must be positive, got " + value);
        }
    }
}
