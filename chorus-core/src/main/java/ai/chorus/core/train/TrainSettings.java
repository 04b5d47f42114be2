package ai.chorus.core.train;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code train} section of {@code run.json}: model shape, budgets and optimisation settings
 * shared by the seed, every expert, the dense baseline and the random-split ablation. A preset
 * fills it; the user may edit it before training.
 *
 * @param preset the preset it started from
 * @param experts K, the number of expert domains (must match the clustering)
 * @param hiddenSize model width
 * @param intermediateSize SwiGLU width
 * @param layers decoder blocks
 * @param heads attention heads
 * @param seqLen context length trained on (also max_position_embeddings)
 * @param batch sequences per step
 * @param seedTokens tokens the seed trains on (all train data)
 * @param expertTokens tokens per expert when the budget is equal; the mean when proportional
 * @param budget "equal" or "proportional" (to the expert's share of train tokens)
 * @param lr peak learning rate of the seed
 * @param branchLr peak learning rate of the jobs branched from the seed (experts, dense, random)
 * @param minLrRatio the cosine schedule ends at lr × this
 * @param warmupFraction share of a job's steps spent warming up linearly
 * @param weightDecay AdamW decoupled weight decay on matrices
 * @param gradClip global gradient-norm clip (0 disables)
 * @param evalEvery steps between validation evaluations
 * @param evalBatches batches of validation data per evaluation
 * @param checkpointEvery steps between resumable checkpoints
 * @param initSeed seed of the seed model's initial weights
 * @param dataSeed seed of every job's data order (and of the random split)
 * @param ropeTheta RoPE base
 * @param expertIntermediateSize per-expert SwiGLU width overrides, expert index → intermediate_size (HDEE's
 *     heterogeneous experts: a harder domain gets a wider expert); an expert listed here branches from the
 *     seed with its MLP grown or pruned ({@code FfnResize}); its random-split twin gets the same width,
 *     and the dense baseline's steps grow to match the experts' summed compute
 */
public record TrainSettings(
        String preset,
        int experts,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        int layers,
        int heads,
        @JsonProperty("seq_len") int seqLen,
        int batch,
        @JsonProperty("seed_tokens") long seedTokens,
        @JsonProperty("expert_tokens") long expertTokens,
        String budget,
        double lr,
        @JsonProperty("branch_lr") double branchLr,
        @JsonProperty("min_lr_ratio") double minLrRatio,
        @JsonProperty("warmup_fraction") double warmupFraction,
        @JsonProperty("weight_decay") double weightDecay,
        @JsonProperty("grad_clip") double gradClip,
        @JsonProperty("eval_every") int evalEvery,
        @JsonProperty("eval_batches") int evalBatches,
        @JsonProperty("checkpoint_every") int checkpointEvery,
        @JsonProperty("init_seed") long initSeed,
        @JsonProperty("data_seed") long dataSeed,
        @JsonProperty("rope_theta") double ropeTheta,
        @JsonProperty("expert_intermediate_size") Map<String, Integer> expertIntermediateSize) {

    public static final String EQUAL = "equal";
    public static final String PROPORTIONAL = "proportional";
    static final int MAX_SEQ_LEN = 1 << 16;
    static final long MAX_TOKENS_PER_STEP = 1L << 24;
    static final int MAX_WIDTH = 1 << 16;
    static final int MAX_LAYERS = 1024;
    static final long MAX_TOKENS = 10_000_000_000_000L;

    public TrainSettings {
        String where = "run.json train.";
        positive(where + "experts", experts);
        positive(where + "hidden_size", hiddenSize);
        positive(where + "intermediate_size", intermediateSize);
        positive(where + "layers", layers);
        positive(where + "heads", heads);
        positive(where + "seq_len", seqLen);
        positive(where + "batch", batch);
        positive(where + "eval_every", evalEvery);
        positive(where + "eval_batches", evalBatches);
        positive(where + "checkpoint_every", checkpointEvery);
        if (seedTokens <= 0 || expertTokens <= 0) {
            throw new InvalidInputException(where + "seed_tokens and expert_tokens must be positive");
        }
        // Sane bounds, so a typo is refused here rather than overflowing an array size or a step count later.
        atMost(where + "seq_len", seqLen, MAX_SEQ_LEN);
        atMost(where + "batch", batch, MAX_SEQ_LEN);
        atMost(where + "batch × seq_len", (long) batch * seqLen, MAX_TOKENS_PER_STEP);
        atMost(where + "hidden_size", hiddenSize, MAX_WIDTH);
        atMost(where + "intermediate_size", intermediateSize, 4L * MAX_WIDTH);
        atMost(where + "layers", layers, MAX_LAYERS);
        atMost(where + "heads", heads, hiddenSize);
        atMost(where + "seed_tokens", seedTokens, MAX_TOKENS);
        atMost(where + "expert_tokens", expertTokens, MAX_TOKENS);
        long perStep = (long) batch * seqLen;
        if (Math.max(seedTokens, expertTokens * experts) / perStep > Integer.MAX_VALUE) {
            throw new InvalidInputException(where + "seed_tokens / expert_tokens need more than " + Integer.MAX_VALUE
                    + " steps of " + perStep + " tokens; lower them or raise batch × seq_len");
        }
        budget = budget == null ? EQUAL : budget.toLowerCase(Locale.ROOT);
        if (!budget.equals(EQUAL) && !budget.equals(PROPORTIONAL)) {
            throw new InvalidInputException("--budget / " + where + "budget must be 'equal' or 'proportional', got '"
                    + budget + "'");
        }
        if (!(lr > 0) || !(branchLr > 0) || minLrRatio < 0 || minLrRatio > 1 || warmupFraction < 0
                || warmupFraction >= 1 || weightDecay < 0 || gradClip < 0) {
            throw new InvalidInputException(where + "lr, branch_lr must be positive; min_lr_ratio in [0,1]; "
                    + "warmup_fraction in [0,1); weight_decay and grad_clip non-negative");
        }
        expertIntermediateSize = expertIntermediateSize == null ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(expertIntermediateSize));
        for (Map.Entry<String, Integer> e : expertIntermediateSize.entrySet()) {
            int expert;
            try {
                expert = Integer.parseInt(e.getKey());
            } catch (NumberFormatException notANumber) {
                expert = -1;
            }
            if (expert < 0 || expert >= experts) {
                throw new InvalidInputException(where + "expert_intermediate_size: '" + e.getKey()
                        + "' is not an expert index in [0, " + experts + ")");
            }
            if (e.getValue() == null || e.getValue() <= 0) {
                throw new InvalidInputException(where + "expert_intermediate_size." + e.getKey()
                        + " must be a positive width, got " + e.getValue());
            }
        }
    }

    /** The model of the seed and the dense baseline (and of every expert without an override). */
    public ModelConfig model(int vocabSize) {
        return modelWithFfn(vocabSize, intermediateSize);
    }

    /** The model of expert {@code expert} (and of its random-split twin). */
    public ModelConfig expertModel(int vocabSize, int expert) {
        return modelWithFfn(vocabSize, expertIntermediateSize.getOrDefault(Integer.toString(expert), intermediateSize));
    }

    private ModelConfig modelWithFfn(int vocabSize, int ffn) {
        return new ModelConfig(hiddenSize, ffn, layers, heads, heads, vocabSize, seqLen, 1e-5, ropeTheta, false);
    }

    public long tokensPerStep() {
        return (long) batch * seqLen;
    }

    public TrainSettings withBudget(String b) {
        return new TrainSettings(preset, experts, hiddenSize, intermediateSize, layers, heads, seqLen, batch,
                seedTokens, expertTokens, b, lr, branchLr, minLrRatio, warmupFraction, weightDecay, gradClip,
                evalEvery, evalBatches, checkpointEvery, initSeed, dataSeed, ropeTheta, expertIntermediateSize);
    }

    private static void atMost(String name, long v, long max) {
        if (v > max) {
            throw new InvalidInputException(name + " must be at most " + max + ", got " + v);
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new InvalidInputException(name + " must be positive, got " + v);
        }
    }
}
