package ai.chorus.engine.bench;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;

import java.util.Locale;

/**
 * One benchmark shape, exactly as the PyTorch peer ({@code ../shared/peers/torch_llama_bench.py}, described in
 * docs/METHODS.md §8) runs it: untied head, eps 1e-5, θ 1e4, AdamW lr 3e-4, betas 0.9/0.95, wd 0.1, clip 1.0,
 * random tokens.
 */
public record BenchConfig(String name, int vocab, int dim, int layers, int heads, int ffn, int seq, int batch) {

    public static final BenchConfig S = new BenchConfig("S", 8192, 128, 4, 4, 384, 128, 16);
    public static final BenchConfig M = new BenchConfig("M", 8192, 256, 6, 8, 768, 256, 8);
    public static final BenchConfig L = new BenchConfig("L", 16384, 512, 8, 8, 1536, 256, 4);

    public static BenchConfig byName(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "S" -> S;
            case "M" -> M;
            case "L" -> L;
            default -> throw new InvalidInputException("unknown bench config '" + name + "'; use S, M or L");
        };
    }

    public ModelConfig modelConfig() {
        return ModelConfig.of(vocab, dim, layers, heads, ffn, seq);
    }

    /** The peer's command-line flags for this shape. */
    public String peerFlags() {
        return "--vocab " + vocab + " --dim " + dim + " --layers " + layers + " --heads " + heads + " --ffn " + ffn
                + " --seq " + seq + " --batch " + batch;
    }
}
