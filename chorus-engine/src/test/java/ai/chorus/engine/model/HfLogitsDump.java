package ai.chorus.engine.model;

import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.parallel.WorkerPool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the input of {@code tools/check_hf_logits.py}: model folders and the logits Chorus computes for
 * them, so that Hugging Face {@code transformers} can load each folder as {@code LlamaForCausalLM} and
 * compare its own logits (an independent implementation of the same architecture).
 *
 * <pre>
 *   java -cp chorus-engine/target/test-classes:chorus-engine/target/classes --add-modules=jdk.incubator.vector \
 *        ai.chorus.engine.model.HfLogitsDump OUT_DIR [TRAINED_MODEL_DIR ...]
 * </pre>
 *
 * OUT_DIR gets {@code cases.json} (one entry per model: folder, batch, seq, token ids) and per case
 * {@code caseN.logits.f32} (little-endian float32 [batch, seq, vocab]). Besides the trained folders given,
 * it writes two generated models that exercise the config fields a trained demo expert leaves at their
 * defaults (tied embeddings, rope_theta, rms_norm_eps, non-square shapes), with weights large enough that
 * the logits are far from uniform.
 */
public final class HfLogitsDump {
    private HfLogitsDump() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: HfLogitsDump OUT_DIR [TRAINED_MODEL_DIR ...]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        List<Path> models = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            models.add(Path.of(args[i]).toAbsolutePath());
        }
        models.add(generated(out.resolve("generated-tied"),
                new ModelConfig(96, 160, 3, 6, 6, 509, 256, 1e-6, 500000.0, true), 11));
        models.add(generated(out.resolve("generated-untied"),
                new ModelConfig(64, 192, 2, 2, 2, 300, 128, 1e-5, 10000.0, false), 12));

        StringBuilder json = new StringBuilder("[\n");
        try (WorkerPool pool = new WorkerPool(Math.min(2, Runtime.getRuntime().availableProcessors()))) {
            for (int c = 0; c < models.size(); c++) {
                Path dir = models.get(c);
                ModelConfig config = Checkpoints.readConfig(dir).model();
                LlamaModel model = new LlamaModel(config);
                Checkpoints.loadInto(dir, config, model.parameters());
                model.weightsChanged();
                int batch = 2;
                int seq = Math.min(64, config.maxPositionEmbeddings());
                int[] tokens = new SplittableRandom(100 + c).ints((long) batch * seq, 0, config.vocabSize()).toArray();
                LlamaRunner runner = new LlamaRunner(model, pool, batch, seq);
                runner.forward(tokens, 0, batch, seq);
                int vocab = config.vocabSize();
                ByteBuffer bytes = ByteBuffer.allocate(batch * seq * vocab * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                float[] row = new float[vocab];
                for (int r = 0; r < batch * seq; r++) {
                    runner.copyLogits(r, row, 0);
                    bytes.asFloatBuffer().put(r * vocab, row);
                }
                Files.write(out.resolve("case" + c + ".logits.f32"), bytes.array());
                // relative to OUT_DIR where possible, so the directory can be checked on another machine
                String where = dir.startsWith(out.toAbsolutePath()) ? out.toAbsolutePath().relativize(dir).toString() : dir.toString();
                json.append(c == 0 ? "" : ",\n").append("  {\"model\": \"").append(where.replace("\\", "/"))
                        .append("\", \"batch\": ").append(batch).append(", \"seq\": ").append(seq)
                        .append(", \"vocab\": ").append(vocab).append(", \"logits\": \"case").append(c)
                        .append(".logits.f32\", \"ids\": ").append(Arrays.toString(tokens)).append('}');
                System.out.println("case " + c + ": " + dir + " " + batch + "x" + seq + " vocab " + vocab);
            }
        }
        Files.writeString(out.resolve("cases.json"), json.append("\n]\n").toString());
    }

    /** A model folder with weights drawn at a larger scale than training's init, and non-trivial norm gains. */
    private static Path generated(Path dir, ModelConfig config, long seed) throws IOException {
        LlamaModel model = new LlamaModel(config);
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = model.parameterBuffer();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.15);
        }
        for (var t : model.parameters()) {
            if (t.name().endsWith("norm.weight")) { // gains near 1, so the norms matter but do not vanish
                for (int i = 0; i < t.size(); i++) {
                    w[t.offset() + i] = (float) (1 + 0.3 * random.nextGaussian());
                }
            }
        }
        Checkpoints.save(dir, config, model.parameters(), Map.of("format", "pt"));
        return dir.toAbsolutePath();
    }
}
