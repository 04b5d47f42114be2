import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.HfConfig;
import ai.chorus.engine.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a run-shaped folder of large generated models for docs/perf/merge.md: seed/ and experts/e00 ..
 * e{N-1}/, each a Llama folder (config.json + model.safetensors, F32), experts = seed + small noise, so
 * task vectors are small as after continued pre-training. Streams tensor by tensor (runs in a small heap).
 * Run: java -Xmx1g --class-path chorus-engine/target/classes tools/MergeBenchModels.java DIR LAYERS [EXPERTS]
 * (LAYERS 9 gives 1.98 GB per model: d 2048, ffn 5632, vocab 8192, untied).
 */
public class MergeBenchModels {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int layers = Integer.parseInt(args[1]);
        int experts = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ModelConfig config = ModelConfig.of(8192, 2048, layers, 16, 5632, 2048);
        System.out.printf("%,d parameters, %.2f GB per model%n", config.parameterCount(), config.parameterCount() * 4e-9);
        write(dir.resolve("seed"), config, 1, 0f);
        for (int e = 0; e < experts; e++) {
            write(dir.resolve("experts").resolve(String.format("e%02d", e)), config, 1, 0.01f * (e + 1));
        }
    }

    /** Seed values from stream {@code seed}; plus noise of scale {@code noise} from a stream of its own. */
    private static void write(Path folder, ModelConfig config, long seed, float noise) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(folder);
        List<SafetensorsWriter.Spec> specs = new ArrayList<>();
        Checkpoints.expectedShapes(config).forEach((name, shape) -> specs.add(new SafetensorsWriter.Spec(name, shape)));
        long[] state = {seed * 0x9E3779B97F4A7C15L + 1, Float.floatToIntBits(noise) * 0xBF58476D1CE4E5B9L + 7};
        SafetensorsWriter.write(folder.resolve(Checkpoints.WEIGHTS_FILE), specs, Map.of(), spec -> {
            FloatTensor t = FloatTensor.allocate(spec.name(), spec.shape());
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = 0.02f * centred(state, 0) + noise * centred(state, 1);
            }
            return t;
        });
        HfConfig.of(config).write(folder.resolve(HfConfig.FILE_NAME));
        System.out.printf("wrote %s in %.1f s%n", folder, (System.nanoTime() - t0) / 1e9);
    }

    /** xorshift64: a uniform float in [-1, 1). */
    private static float centred(long[] state, int which) {
        long x = state[which];
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state[which] = x;
        return (x >>> 40) * 0x1.0p-23f - 1f;
    }
}
