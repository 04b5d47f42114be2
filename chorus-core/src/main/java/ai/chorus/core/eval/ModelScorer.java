package ai.chorus.core.eval;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One forward pass of a model over a {@link TestSet}: log p(target | context) for every scored position,
 * computed in batches of windows and kept as one float array, so every router and mixture afterwards
 * is arithmetic on cached numbers rather than another pass of the model.
 */
public final class ModelScorer {
    /** Windows per forward pass: enough rows for the matmuls to stay efficient, small enough for the logits. */
    static final int BATCH = 8;

    private ModelScorer() {}

    /** The model in a Hugging Face Llama folder (config.json + model.safetensors). */
    public static LlamaModel load(Path dir) throws IOException {
        ModelConfig config = Checkpoints.readConfig(dir).model();
        LlamaModel model = new LlamaModel(config);
        Checkpoints.loadInto(dir, config, model.parameters());
        return model;
    }

    /**
     * out[p] = log p(targets[p] | the window's inputs up to p), for every position of {@code test}, scored in
     * windows of {@code seqLen}; {@code task} advances by the tokens scored.
     */
    public static float[] score(LlamaModel model, TestSet test, int seqLen, WorkerPool pool, Progress.Task task) {
        ModelConfig config = model.config();
        if (seqLen > config.maxPositionEmbeddings()) {
            throw new InvalidInputException("evaluation window " + seqLen + " exceeds the model's"
                    + " max_position_embeddings " + config.maxPositionEmbeddings());
        }
        int[][] windows = test.windows(seqLen);
        LlamaRunner runner = new LlamaRunner(model, pool, BATCH, seqLen);
        int[] inputs = new int[BATCH * seqLen];
        int[] targets = new int[BATCH * seqLen];
        float[] logProbs = new float[BATCH * seqLen];
        float[] out = new float[test.positions()];
        int pad = test.endOfText();
        for (int first = 0; first < windows.length; first += BATCH) {
            int batch = Math.min(BATCH, windows.length - first);
            int seq = windows[first][1]; // windows fall in length: the first is the longest of the batch
            for (int b = 0; b < batch; b++) {
                int start = windows[first + b][0];
                int length = windows[first + b][1];
                System.arraycopy(test.inputs(), start, inputs, b * seq, length);
                System.arraycopy(test.targets(), start, targets, b * seq, length);
                // Padding comes after the window's last token, so causal attention keeps it out of the scores.
                for (int t = length; t < seq; t++) {
                    inputs[b * seq + t] = pad;
                    targets[b * seq + t] = pad;
                }
            }
            runner.targetLogProbs(inputs, 0, targets, 0, batch, seq, logProbs, 0);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(logProbs, b * seq, out, windows[first + b][0], windows[first + b][1]);
                task.advance(windows[first + b][1]);
            }
        }
        return out;
    }
}
