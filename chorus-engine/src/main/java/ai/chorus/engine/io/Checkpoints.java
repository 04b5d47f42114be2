package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model folder as Hugging Face lays it out for {@code LlamaForCausalLM}: {@code config.json} +
 * {@code model.safetensors} (F32), so that a Chorus model opens in {@code transformers} as it is.
 *
 * <p>Each file is replaced atomically; the weights are written before the config, so a crash between the two
 * leaves either the old folder, or new weights whose mismatch with the old config {@link #load} refuses.
 */
public final class Checkpoints {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String SHARD_INDEX_FILE = "model.safetensors.index.json";

    private Checkpoints() {}

    /** A loaded folder: its config, its tensors in model order, and the safetensors metadata. */
    public record Checkpoint(HfConfig config, List<FloatTensor> tensors, Map<String, String> metadata) {
        public ModelConfig model() {
            return config.model();
        }

        public FloatTensor tensor(String name) {
            for (FloatTensor t : tensors) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("no tensor " + name);
        }
    }

    /**
     * The tensors of a Llama model with Hugging Face names and (out, in) shapes, in the order transformers
     * declares them; {@code lm_head.weight} only when the embedding is not tied.
     */
    public static Map<String, int[]> expectedShapes(ModelConfig c) {
        int d = c.hiddenSize();
        int kvDim = c.numKeyValueHeads() * c.headDim();
        int ffn = c.intermediateSize();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String layer = "model.layers." + i + ".";
            shapes.put(layer + "input_layernorm.weight", new int[] {d});
            shapes.put(layer + "self_attn.q_proj.weight", new int[] {d, d});
            shapes.put(layer + "self_attn.k_proj.weight", new int[] {kvDim, d});
            shapes.put(layer + "self_attn.v_proj.weight", new int[] {kvDim, d});
            shapes.put(layer + "self_attn.o_proj.weight", new int[] {d, d});
            shapes.put(layer + "post_attention_layernorm.weight", new int[] {d});
            shapes.put(layer + "mlp.gate_proj.weight", new int[] {ffn, d});
            shapes.put(layer + "mlp.up_proj.weight", new int[] {ffn, d});
            shapes.put(layer + "mlp.down_proj.weight", new int[] {d, ffn});
        }
        shapes.put("model.norm.weight", new int[] {d});
        if (!c.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new int[] {c.vocabSize(), d});
        }
        return shapes;
    }

    public static void save(Path dir, ModelConfig config, List<FloatTensor> params, Map<String, String> metadata)
            throws IOException {
        save(dir, HfConfig.of(config), params, metadata);
    }

    /**
     * Writes {@code dir/model.safetensors} then {@code dir/config.json}. The parameters must be exactly the
     * model's ({@link #expectedShapes}); they are written in the order given.
     */
    public static void save(Path dir, HfConfig config, List<FloatTensor> params, Map<String, String> metadata)
            throws IOException {
        Map<String, int[]> given = new LinkedHashMap<>();
        for (FloatTensor p : params) {
            given.put(p.name(), p.shape());
        }
        try {
            TensorSets.requireSame("parameters to save", expectedShapes(config.model()), given);
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // the caller's bug, not the user's
        }
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), params, metadata);
        config.write(dir.resolve(HfConfig.FILE_NAME));
    }

    public static HfConfig readConfig(Path dir) throws IOException {
        requireFolder(dir);
        return HfConfig.read(dir.resolve(HfConfig.FILE_NAME));
    }

    /** Reads config and every tensor (converted to float), refusing tensors that do not fit the config. */
    public static Checkpoint load(Path dir) throws IOException {
        HfConfig config = readConfig(dir);
        Map<String, int[]> expected = expectedShapes(config.model());
        try (SafetensorsReader reader = openWeights(dir)) {
            TensorSets.requireSame(reader.path().toString(), expected, reader.shapes());
            List<FloatTensor> tensors = new ArrayList<>(expected.size());
            for (String name : expected.keySet()) {
                tensors.add(reader.read(name));
            }
            requireFinite(reader.path(), tensors);
            return new Checkpoint(config, tensors, reader.metadata());
        }
    }

    /**
     * Copies the folder's tensors into existing views (e.g. a model's parameter buffer), refusing missing,
     * extra or mis-shaped tensors before anything is copied. Returns the safetensors metadata.
     */
    public static Map<String, String> loadInto(Path dir, List<FloatTensor> targets) throws IOException {
        return loadInto(dir, readConfig(dir), targets);
    }

    /** As {@link #loadInto(Path, List)}, first refusing a config.json that differs from {@code expected}. */
    public static Map<String, String> loadInto(Path dir, ModelConfig expected, List<FloatTensor> targets)
            throws IOException {
        HfConfig config = readConfig(dir);
        if (!config.model().equals(expected)) {
            throw new InvalidInputException(dir.resolve(HfConfig.FILE_NAME) + ": does not match the model: "
                    + differences(HfConfig.of(config.model()).toJson(), HfConfig.of(expected).toJson()));
        }
        return loadInto(dir, config, targets);
    }

    private static Map<String, String> loadInto(Path dir, HfConfig config, List<FloatTensor> targets)
            throws IOException {
        try (SafetensorsReader reader = openWeights(dir)) {
            TensorSets.requireSame(reader.path().toString(), expectedShapes(config.model()), reader.shapes());
            reader.readInto(targets);
            requireFinite(reader.path(), targets);
            return reader.metadata();
        }
    }

    /**
     * A NaN or infinite weight (a diverged or damaged model) would only surface later as NaN losses, τ or
     * logits; it is refused where the model is read, naming the file and tensor.
     */
    static void requireFinite(Path file, List<FloatTensor> tensors) {
        for (FloatTensor t : tensors) {
            int n = (int) FloatTensor.numel(t.shape());
            float[] data = t.data();
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(data[t.offset() + i])) {
                    throw new InvalidInputException(file + ": tensor " + t.name() + " holds " + data[t.offset() + i]
                            + " (NaN or infinite weights: the model diverged or the file is damaged); retrain it");
                }
            }
        }
    }

    /** "key found (expected x)" for every key whose value differs, with the config.json names. */
    private static String differences(Map<String, Object> found, Map<String, Object> expected) {
        List<String> faults = new ArrayList<>();
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object value = found.get(e.getKey());
            if (!e.getValue().equals(value) && !e.getKey().equals("rope_parameters")) { // rope_theta says it
                faults.add(e.getKey() + " " + Json.write(value) + " (expected " + Json.write(e.getValue()) + ")");
            }
        }
        return String.join(", ", faults);
    }

    private static SafetensorsReader openWeights(Path dir) throws IOException {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.exists(weights) && Files.exists(dir.resolve(SHARD_INDEX_FILE))) {
            throw new InvalidInputException(dir + ": sharded checkpoints (" + SHARD_INDEX_FILE
                    + ") are not supported; save the model as one " + WEIGHTS_FILE);
        }
        return SafetensorsReader.open(weights);
    }

    private static void requireFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": not a model folder (expected a directory with "
                    + HfConfig.FILE_NAME + " and " + WEIGHTS_FILE + ")");
        }
    }
}
