import ai.chorus.engine.sample.Sampler;
import java.util.Arrays;
import java.util.Random;

/**
 * Microseconds per Sampler.sample call over a 16,384-token vocabulary (the peer's L model).
 * Run: java --class-path chorus-engine/target/classes tools/SamplerBench.java
 */
public class SamplerBench {
    public static void main(String[] args) {
        int vocab = 16384;
        float[] logits = new float[vocab];
        Random r = new Random(1);
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (2 * r.nextGaussian());
        }
        Sampler.Settings[] settings = {Sampler.Settings.GREEDY, new Sampler.Settings(1.0, 0, 1.0),
            new Sampler.Settings(0.8, 40, 1.0), new Sampler.Settings(0.8, 0, 0.9), new Sampler.Settings(0.8, 0, 0.99)};
        for (Sampler.Settings s : settings) {
            Sampler sampler = new Sampler(s, 42);
            long sink = 0;
            for (int i = 0; i < 5_000; i++) {
                sink += sampler.sample(logits);
            }
            double[] us = new double[5];
            for (int rep = 0; rep < us.length; rep++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    sink += sampler.sample(logits);
                }
                us[rep] = (System.nanoTime() - t0) / 5_000 / 1e3;
            }
            Arrays.sort(us);
            System.out.printf("%-45s min %6.1f us  median %6.1f us  (sink %d)%n", s, us[0], us[2], sink % 7);
        }
    }
}
