package ai.chorus.engine.train;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.kernel.Residual;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.optim.AdamW;
import ai.chorus.engine.parallel.WorkerPool;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Trains a {@link LlamaModel} with AdamW on batches of {@code batch × seq} tokens, and evaluates it.
 *
 * <p>One {@link #step} is one optimizer update: the given tokens may hold several micro-batches
 * (gradient accumulation), whose gradients are summed with the loss scaled by 1/(all tokens of the
 * step), so k micro-batches of B rows equal one batch of k·B rows. Then the global gradient norm is
 * clipped, the scheduled learning rate applied, and the weights version bumped. Same model, seed,
 * data and config give bit-identical weights for any thread count.
 *
 * <p>Data parallel inside a step: an even batch is cut into two shards of batch/2 sequences, each with
 * its own workspace and gradient buffer, run at the same time on half the threads each; then shard 1's
 * gradients are added to shard 0's (the model's buffer). Splitting each kernel over all threads instead
 * costs a join per kernel (hundreds per step), and small models spend much of their step there. The
 * cut is fixed by the batch, never by the thread count, so results stay bit-identical for any thread
 * count; with one thread the shards simply run one after the other.
 */
public final class Trainer implements AutoCloseable {

    /** Shards of an even batch. Two: the cores this is tuned for, and half-batches still fill the matmul tiles. */
    static final int SHARDS = 2;

    /** One data-parallel slice of the batch: its runner, the threads it runs on, the gradients it sums into. */
    private record Shard(LlamaRunner runner, WorkerPool pool, float[] gradients) {}

    private final LlamaModel model;
    private final WorkerPool pool;
    private final Shard[] shards;
    /** Sequences per shard. */
    private final int shardBatch;
    private final double[] shardLoss;
    private final LlamaRunner runner;
    private final AdamW optimizer;
    private final TrainConfig config;
    private final int batch;
    private final int seq;
    private double lastGradNorm;
    private double lastLr;

    public Trainer(LlamaModel model, TrainConfig config, WorkerPool pool, int batch, int seq) {
        this.model = model;
        this.pool = pool;
        this.config = config;
        this.batch = batch;
        this.seq = seq;
        int count = batch % SHARDS == 0 ? SHARDS : 1;
        this.shardBatch = batch / count;
        this.shards = new Shard[count];
        this.shardLoss = new double[count];
        int threads = pool.threads();
        for (int s = 0; s < count; s++) {
            // shard s runs on its own share of the threads; with fewer threads than shards they take
            // turns on the caller's pool
            WorkerPool shardPool = count == 1 || threads < count ? pool
                    : new WorkerPool(threads / count + (s < threads % count ? 1 : 0));
            float[] gradients = s == 0 ? model.gradientBuffer() : model.newGradientBuffer();
            LlamaRunner sibling = s == 0 ? null : shards[0].runner();
            shards[s] = new Shard(new LlamaRunner(model, shardPool, shardBatch, seq, gradients, sibling), shardPool,
                    gradients);
        }
        this.runner = shards[0].runner();
        this.optimizer = new AdamW(model.parameters(), model.parameterBuffer().length, config.beta1(), config.beta2(),
                config.eps(), config.weightDecay());
    }

    public LlamaModel model() {
        return model;
    }

    /** The first shard's runner: its workspace holds {@link #shardBatch()} sequences, not the whole batch. */
    public LlamaRunner runner() {
        return runner;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public int batch() {
        return batch;
    }

    public int seq() {
        return seq;
    }

    /** Sequences each data-parallel shard runs: the batch, or half of an even batch. */
    public int shardBatch() {
        return shardBatch;
    }

    /** Optimizer steps taken so far. */
    public long stepsTaken() {
        return optimizer.step();
    }

    /** The global gradient norm of the last step, before clipping. */
    public double lastGradientNorm() {
        return lastGradNorm;
    }

    /** The learning rate the last step used. */
    public double lastLearningRate() {
        return lastLr;
    }

    /**
     * One optimizer step over {@code tokens}/{@code targets} (row-major, k·batch·seq each, k ≥ 1
     * micro-batches). Returns the mean loss over all k·batch·seq tokens.
     */
    public float step(int[] tokens, int[] targets) {
        int perMicro = batch * seq;
        int micro = microBatches(tokens, targets, "a training step");
        float lossScale = (float) (1.0 / tokens.length);
        forEachShard(s -> {
            Shard shard = shards[s];
            Arrays.fill(shard.gradients(), 0f);
            double sum = 0;
            for (int k = 0; k < micro; k++) {
                int at = k * perMicro + s * shardBatch * seq;
                sum += shard.runner().forwardBackward(tokens, at, targets, at, shardBatch, seq, lossScale);
            }
            shardLoss[s] = sum;
        });
        float[] grads = model.gradientBuffer();
        for (int s = 1; s < shards.length; s++) {
            // grads += the shard's, in fixed chunks
            Residual.backward(pool, grads, 0, shards[s].gradients(), 0, grads.length);
        }
        double lossSum = totalShardLoss();
        lastGradNorm = config.gradClip() > 0
                ? optimizer.clipGradients(pool, grads, config.gradClip())
                : optimizer.gradientNorm(pool, grads);
        lastLr = config.schedule().lr(optimizer.step());
        optimizer.update(pool, model.parameterBuffer(), grads, lastLr);
        model.weightsChanged();
        return (float) (lossSum / tokens.length);
    }

    /** Mean loss over k·batch·seq tokens without a backward pass or any update. */
    public float evaluate(int[] tokens, int[] targets) {
        int perMicro = batch * seq;
        int micro = microBatches(tokens, targets, "evaluation");
        forEachShard(s -> {
            double sum = 0;
            for (int k = 0; k < micro; k++) {
                int at = k * perMicro + s * shardBatch * seq;
                sum += shards[s].runner().loss(tokens, at, targets, at, shardBatch, seq);
            }
            shardLoss[s] = sum;
        });
        return (float) (totalShardLoss() / tokens.length);
    }

    /** How many batch × seq micro-batches {@code tokens} holds; refuses what {@code what} cannot take. */
    private int microBatches(int[] tokens, int[] targets, String what) {
        int perMicro = batch * seq;
        if (tokens.length != targets.length || tokens.length == 0 || tokens.length % perMicro != 0) {
            throw new InvalidInputException(what + " needs tokens and targets of equal length, a positive"
                    + " multiple of batch x seq = " + perMicro + "; got " + tokens.length + " and " + targets.length);
        }
        return tokens.length / perMicro;
    }

    /** Runs {@code work} for every shard: at once when each has threads of its own, else one after another. */
    private void forEachShard(IntConsumer work) {
        runner.prepareWeights(pool); // with every thread, before the shards need them
        if (shards.length > 1 && shards[0].pool() != pool) {
            pool.run(shards.length, (s, worker) -> work.accept(s));
        } else {
            for (int s = 0; s < shards.length; s++) {
                work.accept(s);
            }
        }
    }

    /** Shard losses summed in shard order (fixed, whatever the threads). */
    private double totalShardLoss() {
        double sum = 0;
        for (double l : shardLoss) {
            sum += l;
        }
        return sum;
    }

    /** A cache for incremental generation with {@link #forwardToken}. */
    public KvCache newKvCache(int maxPositions) {
        return runner.newKvCache(maxPositions);
    }

    /** Next-token logits after feeding {@code token} at {@code position}; the array is reused by the cache. */
    public float[] forwardToken(int token, int position, KvCache cache) {
        return runner.forwardToken(token, position, cache);
    }

    /** Stops the shards' worker threads (not the pool given to the constructor). */
    @Override
    public void close() {
        for (Shard shard : shards) {
            if (shard.pool() != pool) {
                shard.pool().close();
            }
        }
    }
}
