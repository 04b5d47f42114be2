package ai.chorus.server;

import ai.chorus.core.cluster.ClusterOptions;
import ai.chorus.core.cluster.ClusterRun;
import ai.chorus.core.corpus.SplitRatios;
import ai.chorus.core.prepare.PrepareOptions;
import ai.chorus.core.prepare.PrepareStep;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.FileTrees;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A tiny prepared and clustered run with two untrained (randomly initialised) experts: enough for the
 * server to load, route and generate, built once per test JVM in about a second.
 */
final class ServedRun {
    static final int EXPERTS = 2;
    static final int CONTEXT = 96;

    private static final String[] TOPICS = {
        "the cat sat on the mat and purred while the dog slept by the warm fire in the kitchen",
        "stocks fell sharply as markets opened and investors sold bonds banks and shares in a panic",
        "die Katze schläft auf dem Sofa und der Hund bellt laut im Garten hinter dem alten Haus",
        "la pluie tombe sur la ville et les enfants jouent dans le parc près de la rivière calme",
    };

    private static RunDir shared;

    private ServedRun() {}

    /** The shared run; read-only for tests (never change it). */
    static synchronized RunDir get() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("chorus-served-run");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
                shared = create(dir.resolve("run"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    static RunDir create(Path dir) throws IOException {
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 240; i++) {
            String t = TOPICS[i % 4];
            corpus.append("{\"text\":\"").append(t).append(" — item ").append(i).append(' ')
                    .append(t, 0, 20 + i % 30).append("\"}\n");
        }
        Path corpusFile = dir.resolveSibling("corpus.jsonl");
        Files.writeString(corpusFile, corpus.toString());
        RunDir run = RunDir.of(dir);
        PrepareStep.run(run, new PrepareOptions(corpusFile.toString(), "text", null, SplitRatios.DEFAULT, 320,
                PrepareOptions.DEFAULT_SAMPLE_BYTES, false), Progress.NONE);
        ClusterRun.run(run, new ClusterRun.Options(ClusterOptions.defaults(EXPERTS).withFine(8), false),
                Progress.NONE);
        int vocab = BpeTokenizer.load(run.tokenizerJson()).vocabSize();
        for (int e = 0; e < EXPERTS; e++) {
            ModelConfig config = ModelConfig.of(vocab, 32, 2, 2, 64, CONTEXT);
            LlamaModel model = LlamaModel.initialized(config, 100 + e);
            Checkpoints.save(run.expertDir(e), config, model.parameters(), Map.of());
        }
        return run;
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException | RuntimeException e) {
            // a temp directory: the OS cleans it eventually
        }
    }
}
