package ai.chorus.engine.model;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Where every Llama parameter lives in one flat float[] buffer, and its Hugging Face name and shape.
 *
 * <p>Per layer the q, k, v projections are adjacent, so together they form one [3·dim, dim] matrix
 * (one matmul for all three); gate and up are adjacent likewise ([2·ffn, dim]). The HF views stay
 * separate tensors over the same memory.
 */
public final class ParameterLayout {

    private final ModelConfig config;
    private final int embed;
    private final int[] inputNorm;
    private final int[] qkv;
    private final int[] o;
    private final int[] postNorm;
    private final int[] gateUp;
    private final int[] down;
    private final int finalNorm;
    private final int lmHead;
    private final int size;

    public ParameterLayout(ModelConfig config) {
        if (config.numKeyValueHeads() != config.numAttentionHeads()) {
            throw new InvalidInputException("num_key_value_heads " + config.numKeyValueHeads()
                    + " differs from num_attention_heads " + config.numAttentionHeads()
                    + ": the engine trains only without grouped-query attention; set them equal in config.json");
        }
        this.config = config;
        long d = config.hiddenSize();
        long f = config.intermediateSize();
        int layers = config.numHiddenLayers();
        inputNorm = new int[layers];
        qkv = new int[layers];
        o = new int[layers];
        postNorm = new int[layers];
        gateUp = new int[layers];
        down = new int[layers];
        long at = 0;
        embed = (int) at;
        at += config.vocabSize() * d;
        for (int l = 0; l < layers; l++) {
            inputNorm[l] = checked(at);
            at += d;
            qkv[l] = checked(at);
            at += 3 * d * d;
            o[l] = checked(at);
            at += d * d;
            postNorm[l] = checked(at);
            at += d;
            gateUp[l] = checked(at);
            at += 2 * f * d;
            down[l] = checked(at);
            at += d * f;
        }
        finalNorm = checked(at);
        at += d;
        if (config.tieWordEmbeddings()) {
            lmHead = embed;
        } else {
            lmHead = checked(at);
            at += config.vocabSize() * d;
        }
        size = checked(at);
    }

    private static int checked(long offset) {
        if (offset > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException("model too large for one float[] buffer ("
                    + offset + " parameters); reduce hidden_size, layers or vocab_size");
        }
        return (int) offset;
    }

    public ModelConfig config() {
        return config;
    }

    /** Floats in the whole buffer (a tied head counted once). */
    public int size() {
        return size;
    }

    public int embed() {
        return embed;
    }

    public int inputNorm(int layer) {
        return inputNorm[layer];
    }

    public int qkv(int layer) {
        return qkv[layer];
    }

    public int o(int layer) {
        return o[layer];
    }

    public int postNorm(int layer) {
        return postNorm[layer];
    }

    public int gateUp(int layer) {
        return gateUp[layer];
    }

    public int down(int layer) {
        return down[layer];
    }

    public int finalNorm() {
        return finalNorm;
    }

    /** Offset of the lm_head weight: the embedding's when tied. */
    public int lmHead() {
        return lmHead;
    }

    /** The HF-named views into {@code buffer} (parameters or gradients), in model order. */
    public List<FloatTensor> views(float[] buffer, String suffix) {
        int d = config.hiddenSize();
        int f = config.intermediateSize();
        int v = config.vocabSize();
        List<FloatTensor> out = new ArrayList<>();
        out.add(new FloatTensor("model.embed_tokens.weight" + suffix, new int[] {v, d}, buffer, embed));
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            out.add(new FloatTensor(p + "input_layernorm.weight" + suffix, new int[] {d}, buffer, inputNorm[l]));
            out.add(new FloatTensor(p + "self_attn.q_proj.weight" + suffix, new int[] {d, d}, buffer, qkv[l]));
            out.add(new FloatTensor(p + "self_attn.k_proj.weight" + suffix, new int[] {d, d}, buffer, qkv[l] + d * d));
            out.add(new FloatTensor(p + "self_attn.v_proj.weight" + suffix, new int[] {d, d}, buffer, qkv[l] + 2 * d * d));
            out.add(new FloatTensor(p + "self_attn.o_proj.weight" + suffix, new int[] {d, d}, buffer, o[l]));
            out.add(new FloatTensor(p + "post_attention_layernorm.weight" + suffix, new int[] {d}, buffer, postNorm[l]));
            out.add(new FloatTensor(p + "mlp.gate_proj.weight" + suffix, new int[] {f, d}, buffer, gateUp[l]));
            out.add(new FloatTensor(p + "mlp.up_proj.weight" + suffix, new int[] {f, d}, buffer, gateUp[l] + f * d));
            out.add(new FloatTensor(p + "mlp.down_proj.weight" + suffix, new int[] {d, f}, buffer, down[l]));
        }
        out.add(new FloatTensor("model.norm.weight" + suffix, new int[] {d}, buffer, finalNorm));
        if (!config.tieWordEmbeddings()) {
            out.add(new FloatTensor("lm_head.weight" + suffix, new int[] {v, d}, buffer, lmHead));
        }
        return List.copyOf(out);
    }
}
