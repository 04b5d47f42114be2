package ai.chorus.core.generate;

import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One model folder opened for inference, with the tokenizer it was trained with (checked by vocabulary size). */
record LoadedModel(ModelConfig config, BpeTokenizer tokenizer, LlamaModel model) {
    /**
     * @param tokenizerJson the tokenizer, or null for the folder's own tokenizer.json (else the nearest
     *     parent's: {@link TokenizerFiles#locate})
     */
    static LoadedModel open(Path modelDir, Path tokenizerJson) throws IOException {
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
        return new LoadedModel(config, tokenizer, model);
    }
}
