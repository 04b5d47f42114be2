package ai.chorus.core.generate;

import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.ModelConfig;

/** What {@link TextGenerator} and {@link TextScorer} are alike: one loaded model folder, closed with them. */
abstract class InferenceSession implements AutoCloseable {
    final LoadedModel model;

    InferenceSession(LoadedModel model) {
        this.model = model;
    }

    public ModelConfig config() {
        return model.config;
    }

    public BpeTokenizer tokenizer() {
        return model.tokenizer;
    }

    @Override
    public void close() {
        model.close();
    }
}
