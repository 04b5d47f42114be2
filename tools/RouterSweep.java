import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.eval.ModelScorer;
import ai.chorus.core.eval.RoutedEnsemble;
import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.eval.TauCalibration;
import ai.chorus.core.eval.TestSet;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.mix.HybridRouter;
import ai.chorus.core.mix.OracleRouter;
import ai.chorus.core.mix.PosteriorRouter;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replays routers over a run's validation split from cached log-probabilities (not a test): the experts
 * and the dense model are scored once (cached under CACHE_DIR), then every router named on the command
 * line is replayed in seconds, with its perplexity, change against dense and experts per token (every
 * expert forward pass, prefill included). For choosing a router's settings on validation only.
 *
 * Run (after ./chorus has built chorus-cli/target):
 *   java --add-modules jdk.incubator.vector -Xmx3g -cp 'chorus-cli/target/lib/*:chorus-cli/target/chorus-cli.jar' \
 *        tools/RouterSweep.java RUN CACHE_DIR [valid|test] [maxTokens 32768] SPEC...
 * SPEC: base (centroid k1/k2, hybrid, posterior k1/k2/kall, oracle), or adaptive:WARMUP:KEEP:THRESHOLD
 */
public class RouterSweep {
    public static void main(String[] args) throws Exception {
        RunDir run = RunDir.of(Path.of(args[0]));
        Path cache = Path.of(args[1]);
        Split split = args[2].equals("test") ? Split.TEST : Split.VALID;
        long maxTokens = Long.parseLong(args[3]);
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        ClusterAssignments assignments = ClusterAssignments.read(run.clustersDir());
        int experts = clusters.experts();
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        int window = Checkpoints.readConfig(run.seedDir()).model().maxPositionEmbeddings();
        TestSet test = TestSet.of(data, assignments, split, maxTokens);
        float[][] lp = new float[experts][];
        float[] dense;
        Files.createDirectories(cache);
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int e = 0; e < experts; e++) {
                lp[e] = cached(cache.resolve(split.key() + "-" + maxTokens + "-expert" + e), run.expertDir(e), test,
                        window, pool);
            }
            dense = Files.isRegularFile(run.denseDir().resolve("model.safetensors"))
                    ? cached(cache.resolve(split.key() + "-" + maxTokens + "-dense"), run.denseDir(), test, window, pool)
                    : null; // still training
        }
        double[] prior = EvalStep.tokenShares(clusters);
        CentroidRouter.ExpertDistances distances = CentroidRouter.ExpertDistances.lastOnly(ClusterDistances.of(ClusterDistances.DEFAULT, clusters));
        RoutingContext.Decoder decoder = (tokens, length) -> tokenizer.decode(Arrays.copyOf(tokens, length));
        double tau = TauCalibration.choose(test, lp, distances, prior, 2, 32, window, decoder).tau();
        double densePpl = dense == null ? Double.NaN : Math.exp(sum(RoutedEnsemble.documentNll(test, dense)) / test.positions());
        System.out.printf("%s: %d tokens, %d documents, window %d, tau %s, dense %.2f%n", split.key(),
                test.positions(), test.documents(), window, tau, densePpl);
        CentroidRouter centroid = new CentroidRouter(distances, tau, prior);
        PosteriorRouter posterior = new PosteriorRouter(prior);
        List<RoutedEnsemble.Setting> settings = new ArrayList<>();
        for (int a = 4; a < args.length; a++) {
            String spec = args[a];
            if (spec.equals("base")) {
                settings.add(new RoutedEnsemble.Setting("centroid_k1", centroid, 1, Runs.WEIGHTED));
                settings.add(new RoutedEnsemble.Setting("centroid_k2", centroid, 2, Runs.WEIGHTED));
                settings.add(new RoutedEnsemble.Setting("hybrid", new HybridRouter(distances, tau, prior, 2), 2,
                        Runs.ROUTER));
                settings.add(new RoutedEnsemble.Setting("posterior_k1", posterior, 1, Runs.ALL));
                settings.add(new RoutedEnsemble.Setting("posterior", posterior, 2, Runs.ALL));
                settings.add(new RoutedEnsemble.Setting("posterior_kall", posterior, experts, Runs.ALL));
                settings.add(new RoutedEnsemble.Setting("oracle", new OracleRouter(experts), 1, Runs.WEIGHTED));
            } else {
                String[] f = spec.split(":");
                switch (f[0]) {
                    case "adaptive" -> settings.add(new RoutedEnsemble.Setting(spec, new AdaptiveRouter(prior,
                            Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3])), experts,
                            Runs.ROUTER));
                    default -> throw new IllegalArgumentException(spec);
                }
            }
        }
        long t0 = System.nanoTime();
        List<RoutedEnsemble.Outcome> out = RoutedEnsemble.score(test, lp, settings, 32, window, window, decoder);
        System.out.printf("replayed %d settings in %.1f s%n", settings.size(), (System.nanoTime() - t0) / 1e9);
        System.out.printf("%-28s %8s %8s %9s %9s%n", "router", "ppl", "vs dense", "exp/tok", "scored/tok");
        for (RoutedEnsemble.Outcome o : out) {
            double ppl = Math.exp(sum(o.documentNll()) / test.positions());
            long scored = 0;
            for (long m : o.running()) {
                scored += Long.bitCount(m);
            }
            System.out.printf("%-28s %8.2f %+7.1f%% %9.3f %9.3f%n", o.setting().key(), ppl,
                    100 * (ppl / densePpl - 1), o.expertsRun() / test.positions(), (double) scored / test.positions());
        }
    }

    private static double sum(double[] x) {
        return Arrays.stream(x).sum();
    }

    private static float[] cached(Path file, Path model, TestSet test, int window, WorkerPool pool) throws Exception {
        if (Files.isRegularFile(file)) {
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
                float[] x = new float[in.readInt()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = in.readFloat();
                }
                return x;
            }
        }
        float[] x = ModelScorer.score(ModelScorer.load(model), test, window, pool, Progress.NONE.start("score", -1, "tok"));
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(x.length);
            for (float v : x) {
                out.writeFloat(v);
            }
        }
        return x;
    }
}
