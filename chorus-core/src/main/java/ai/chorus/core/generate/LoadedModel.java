package ai.chorus.core.generate;

import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One model folder opened for inference, what {@link TextGenerator} and {@link TextScorer} share: its config,
 * the tokenizer it was trained with (checked by vocabulary size), and a runner over the whole context on a
 * worker pool of its own, closed with it.
 */
final class LoadedModel implements AutoCloseable {
    final ModelConfig config;
    final BpeTokenizer tokenizer;
    final LlamaRunner runner;
    private final WorkerPool pool;

    private LoadedModel(ModelConfig config, BpeTokenizer tokenizer, LlamaModel model, int threads) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.pool = new WorkerPool(threads);
        this.runner = new LlamaRunner(model, pool, 1, config.maxPositionEmbeddings());
    }

    /**
     * @param modelDir a folder with config.json + model.safetensors
     * @param tokenizerJson the tokenizer, or null for the folder's own tokenizer.json (else the nearest
     *     parent's, as in runs written before folders carried their tokenizer: {@link TokenizerFiles#locate})
     */
    static LoadedModel open(Path modelDir, Path tokenizerJson, int threads) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new InvalidInputException("--model " + modelDir + " is not a directory; give a model folder "
                    + "such as runs/demo/experts/e00");
        }
        Path tok = tokenizerJson != null ? tokenizerJson : TokenizerFiles.locate(modelDir);
        BpeTokenizer tokenizer = BpeTokenizer.load(tok);
        RunFingerprints.requireModelTokenizer(modelDir, tok);
        ModelConfig config = HfConfig.read(modelDir.resolve(HfConfig.FILE_NAME)).model();
        if (config.vocabSize() != tokenizer.vocabSize()) {
            throw new InvalidInputException("the model in " + modelDir + " has vocab_size " + config.vocabSize()
                    + " but " + tok + " has " + tokenizer.vocabSize() + " tokens; give the run's tokenizer with --tokenizer");
        }
        LlamaModel model = new LlamaModel(config);
        Checkpoints.loadInto(modelDir, config, model.parameters());
        return new LoadedModel(config, tokenizer, model, threads);
    }

    /** The text's ids, after {@code <|endoftext|>} (which precedes every training document) when asked. */
    int[] encode(String text, boolean startOfText) {
        int[] encoded = tokenizer.encode(text);
        if (!startOfText) {
            return encoded;
        }
        int[] ids = new int[encoded.length + 1];
        ids[0] = tokenizer.endOfTextId();
        System.arraycopy(encoded, 0, ids, 1, encoded.length);
        return ids;
    }

    @Override
    public void close() {
        pool.close();
    }
}
