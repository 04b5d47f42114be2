import ai.chorus.core.mix.Mixture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The cost of mixing k experts' next-token distributions over a vocabulary (not a test): the
 * vectorised float path (Mixture.logProbs) against the double reference (Mixture.logProbsExact),
 * in microseconds per call, min and median over rounds (each round times a batch of calls after a
 * warm-up). The two paths alternate within a round so load drift reaches both alike.
 *
 * Run (after mvn -pl chorus-core -am compile):
 *   java --add-modules jdk.incubator.vector -cp chorus-engine/target/classes:chorus-core/target/classes \
 *        tools/MixtureBench.java [vocab 4096] [k 2] [rounds 15]
 */
public class MixtureBench {
    public static void main(String[] args) {
        int vocab = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        SplittableRandom random = new SplittableRandom(7);
        float[][] lp = new float[k][vocab];
        for (float[] row : lp) {
            double max = Double.NEGATIVE_INFINITY;
            double[] x = new double[vocab];
            for (int v = 0; v < vocab; v++) {
                x[v] = 4 * random.nextGaussian();
                max = Math.max(max, x[v]);
            }
            double sum = 0;
            for (double xv : x) {
                sum += Math.exp(xv - max);
            }
            for (int v = 0; v < vocab; v++) {
                row[v] = (float) (x[v] - max - Math.log(sum));
            }
        }
        double[] w = new double[k];
        for (int j = 0; j < k; j++) {
            w[j] = 1.0 / k;
        }
        float[] out = new float[vocab];
        int calls = 200;
        for (int i = 0; i < 20_000; i++) { // warm-up: both paths compiled by C2
            Mixture.logProbs(w, lp, vocab, out);
            Mixture.logProbsExact(w, lp, vocab, out);
        }
        List<Double> fast = new ArrayList<>();
        List<Double> exact = new ArrayList<>();
        float sink = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                Mixture.logProbs(w, lp, vocab, out);
                sink += out[i % vocab];
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                Mixture.logProbsExact(w, lp, vocab, out);
                sink += out[i % vocab];
            }
            long t2 = System.nanoTime();
            fast.add((t1 - t0) / 1e3 / calls);
            exact.add((t2 - t1) / 1e3 / calls);
        }
        Collections.sort(fast);
        Collections.sort(exact);
        System.out.printf("vocab %d, k %d, %d rounds x %d calls (sink %s)%n", vocab, k, rounds, calls, sink);
        System.out.printf("exact (double log-sum-exp): min %.1f us, median %.1f us%n", exact.get(0), exact.get(rounds / 2));
        System.out.printf("vector (float, p-space):    min %.1f us, median %.1f us%n", fast.get(0), fast.get(rounds / 2));
        System.out.printf("speed-up: min %.1fx, median %.1fx%n", exact.get(0) / fast.get(0),
                exact.get(rounds / 2) / fast.get(rounds / 2));
    }
}
