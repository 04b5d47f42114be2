package ai.chorus.engine.model;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Where every Llama parameter lives in one flat float[] buffer, and its Hugging Face name and shape:
 * the parameters' half of llm.c's {@code ParameterTensors}, with one {@link Layer} of offsets per layer.
 *
 * <p>Per layer the q, k, v projections are adjacent, so together they form one [3·dim, dim] matrix
 * (one matmul for all three); gate and up are adjacent likewise ([2·ffn, dim]). The HF views stay
 * separate tensors over the same memory. The gradient buffer has the same layout.
 */
public final class ParameterLayout {

    /** Offsets of one decoder layer's weights. */
    public record Layer(int inputNorm, int qkv, int o, int postNorm, int gateUp, int down) {
    }

    private final ModelConfig config;
    private final int embed;
    private final Layer[] layers;
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
        Offsets at = new Offsets("the model is too large for one float[] buffer; reduce hidden_size, layers or vocab_size");
        embed = at.take(config.vocabSize() * d);
        layers = new Layer[config.numHiddenLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Layer(at.take(d), at.take(3 * d * d), at.take(d * d), at.take(d), at.take(2 * f * d),
                    at.take(d * f));
        }
        finalNorm = at.take(d);
        lmHead = config.tieWordEmbeddings() ? embed : at.take(config.vocabSize() * d);
        size = at.size();
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

    /** The offsets of decoder layer {@code l}'s weights. */
    public Layer layer(int l) {
        return layers[l];
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
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            Layer w = layers[l];
            out.add(new FloatTensor(p + "input_layernorm.weight" + suffix, new int[] {d}, buffer, w.inputNorm()));
            out.add(new FloatTensor(p + "self_attn.q_proj.weight" + suffix, new int[] {d, d}, buffer, w.qkv()));
            out.add(new FloatTensor(p + "self_attn.k_proj.weight" + suffix, new int[] {d, d}, buffer, w.qkv() + d * d));
            out.add(new FloatTensor(p + "self_attn.v_proj.weight" + suffix, new int[] {d, d}, buffer, w.qkv() + 2 * d * d));
            out.add(new FloatTensor(p + "self_attn.o_proj.weight" + suffix, new int[] {d, d}, buffer, w.o()));
            out.add(new FloatTensor(p + "post_attention_layernorm.weight" + suffix, new int[] {d}, buffer, w.postNorm()));
            out.add(new FloatTensor(p + "mlp.gate_proj.weight" + suffix, new int[] {f, d}, buffer, w.gateUp()));
            out.add(new FloatTensor(p + "mlp.up_proj.weight" + suffix, new int[] {f, d}, buffer, w.gateUp() + f * d));
            out.add(new FloatTensor(p + "mlp.down_proj.weight" + suffix, new int[] {d, f}, buffer, w.down()));
        }
        out.add(new FloatTensor("model.norm.weight" + suffix, new int[] {d}, buffer, finalNorm));
        if (!config.tieWordEmbeddings()) {
            out.add(new FloatTensor("lm_head.weight" + suffix, new int[] {v, d}, buffer, lmHead));
        }
        return List.copyOf(out);
    }
}
