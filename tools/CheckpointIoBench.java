import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times checkpoint save / load / loadInto of the peer's L model (44 M params, 176 MB F32).
 * Run: java --class-path chorus-engine/target/classes tools/CheckpointIoBench.java [DIR] [REPS]
 */
public class CheckpointIoBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/chorus-ckpt-bench");
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ModelConfig config = ModelConfig.of(16384, 512, 8, 8, 1536, 256);
        List<FloatTensor> params = views(config, new float[(int) config.parameterCount()]);
        java.util.Random r = new java.util.Random(1);
        float[] flat = params.get(0).data();
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) r.nextGaussian();
        }
        List<FloatTensor> targets = views(config, new float[flat.length]);
        double mb = flat.length * 4.0 / 1e6;
        double[] save = new double[reps], load = new double[reps], into = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Checkpoints.save(dir, config, params, Map.of());
            long t1 = System.nanoTime();
            Checkpoints.load(dir);
            long t2 = System.nanoTime();
            Checkpoints.loadInto(dir, config, targets);
            long t3 = System.nanoTime();
            save[i] = (t1 - t0) / 1e6;
            load[i] = (t2 - t1) / 1e6;
            into[i] = (t3 - t2) / 1e6;
        }
        if (!Arrays.equals(flat, targets.get(0).data())) {
            throw new AssertionError("loadInto did not restore the weights");
        }
        System.out.printf("%.1f MB, %d reps (ms min / median):%n", mb, reps);
        report("save (write + fsync + rename)", save, mb);
        report("load (fresh arrays)", load, mb);
        report("loadInto (existing views)", into, mb);
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }

    static void report(String what, double[] ms, double mb) {
        double[] s = ms.clone();
        Arrays.sort(s);
        System.out.printf("  %-32s %8.1f / %8.1f ms   %6.0f MB/s at min%n", what, s[0], s[s.length / 2], mb / s[0] * 1e3);
    }

    static List<FloatTensor> views(ModelConfig config, float[] flat) {
        List<FloatTensor> views = new ArrayList<>();
        int offset = 0;
        for (var e : Checkpoints.expectedShapes(config).entrySet()) {
            FloatTensor t = new FloatTensor(e.getKey(), e.getValue(), flat, offset);
            views.add(t);
            offset += t.size();
        }
        return views;
    }
}
