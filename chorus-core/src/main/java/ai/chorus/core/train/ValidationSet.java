package ai.chorus.core.train;

import ai.chorus.core.data.ShardReader;
import ai.chorus.engine.train.Trainer;

/**
 * A fixed set of validation batches, read once, so every evaluation of a job (and every job that
 * shares the documents) measures exactly the same tokens.
 */
final class ValidationSet {
    private final int[] tokens;
    private final int[] targets;

    private ValidationSet(int[] tokens, int[] targets) {
        this.tokens = tokens;
        this.targets = targets;
    }

    static ValidationSet of(ShardReader data, int[] docs, TrainSettings s) {
        int per = s.batch() * s.seqLen();
        long available = 0;
        for (int d : docs) {
            available += data.document(d).length() + 1L;
        }
        // Never cycle through the documents twice: that would weigh some tokens double.
        int batches = (int) Math.max(1, Math.min(s.evalBatches(), (available - 1) / per));
        int[] tokens = new int[batches * per];
        int[] targets = new int[batches * per];
        BatchSampler sampler = new BatchSampler(data, docs, 0L, s.batch(), s.seqLen());
        int[] in = new int[per];
        int[] out = new int[per];
        for (int b = 0; b < batches; b++) {
            sampler.next(in, out);
            System.arraycopy(in, 0, tokens, b * per, per);
            System.arraycopy(out, 0, targets, b * per, per);
        }
        return new ValidationSet(tokens, targets);
    }

    double loss(Trainer trainer) {
        return trainer.evaluate(tokens, targets);
    }
}
