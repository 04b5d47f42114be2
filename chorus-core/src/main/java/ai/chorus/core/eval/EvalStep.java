package ai.chorus.core.eval;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.mix.HybridRouter;
import ai.chorus.core.mix.OracleRouter;
import ai.chorus.core.mix.PosteriorRouter;
import ai.chorus.core.mix.Routers;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.UniformRouter;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunInputs;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.parallel.WorkerPool;
import com.fasterxml.jackson.core.JacksonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code chorus eval}: test perplexity of the seed, the dense baseline, every expert alone, every merged
 * model in the run's {@code merged/} folder (key {@value #MERGED_PREFIX}NAME) and the routed ensembles,
 * overall, per expert domain and per label, with routing accuracy and inference cost, and every row's change
 * against dense with its 95 % paired-bootstrap interval over the test documents ({@code vs_dense},
 * {@code vs_dense_ci95}; {@link PairedBootstrap}); written to {@code eval/results.json} (format {@value #FORMAT}). {@code --split valid} scores the validation documents
 * instead, to choose settings such as merge parameters without looking at the test set.
 *
 * <p>Each model runs once over the test tokens ({@link ModelScorer}); every ensemble is then replayed
 * from those cached log-probabilities ({@link RoutedEnsemble}). The ensembles:
 * centroid and posterior at k = 1, 2 and K ({@code posterior} is k = 2), uniform over all K, oracle
 * (the true cluster), and {@code random_split}: the random-split experts under the posterior router at
 * k = 2 with a uniform prior — they have no centroids, and their documents carry no domain, so the
 * likelihood of the context is the only signal that can route them.
 *
 * <p>Inference cost ({@code experts_per_token}) counts every expert forward pass per scored token: the experts
 * each decision needs (the non-zero weights; all K for the posterior router, which needs every expert's
 * likelihood of the context whatever k; the hybrid's k chosen; the adaptive router's survivors), plus the
 * prefill of an expert switched in mid-window, which must first read the window's earlier tokens
 * ({@link RoutedEnsemble.Outcome#expertsRun}). {@code adaptive} ({@link AdaptiveRouter#pruning}) starts every
 * expert on a window's first token and stops each once its posterior weight falls below a threshold, so it
 * never switches one in. Routing accuracy is the share of
 * scored tokens whose decision's top expert is the document's cluster.
 */
public final class EvalStep {
    /** v2: routers read only the models' window ({@link RouterContext}); v1 routed with document memory. */
    public static final String FORMAT = "chorus-eval-v2";
    /** Key suffix of an ensemble replayed with document memory ({@code --router-context document}). */
    public static final String DOCUMENT_MEMORY_SUFFIX = "_document_memory";
    private static final Logger LOG = LoggerFactory.getLogger(EvalStep.class);
    /** results.json key of a merged model: this prefix and its folder's name under the run's {@code merged/}. */
    public static final String MERGED_PREFIX = "merged_";

    private EvalStep() {}

    /** Runs the evaluation and writes {@code eval/results.json}; returns what it wrote. */
    public static EvalResults run(RunDir run, EvalOptions options, Progress progress) throws IOException {
        long t0 = System.nanoTime();
        run.requirePrepared();
        if (!run.isClustered()) {
            throw new InvalidInputException("run " + run + " has not been clustered; run 'chorus cluster --run "
                    + run + "' and 'chorus train --run " + run + " --all' first");
        }
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        ClusterAssignments assignments = ClusterAssignments.read(run.clustersDir());
        int experts = clusters.experts();
        Map<String, Path> models = modelFolders(run, experts);
        for (Map.Entry<String, Path> m : models.entrySet()) {
            requireTrained(run, m.getKey(), m.getValue());
        }
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        RunInputs inputs = RunFingerprints.requireCurrentForEval(run, models, tokenizer.vocabSize(),
                data.meta().vocabSize());
        int window = Checkpoints.readConfig(run.seedDir()).model().maxPositionEmbeddings();
        TestSet test = TestSet.of(data, assignments, options.split(), options.maxTokens());
        // the headline rows: routers read what the models read, no more; document memory only as extra rows
        RouterContext headline = RouterContext.WINDOW;
        int span = headline.span(window);

        Map<String, float[]> logProbs = new LinkedHashMap<>();
        try (WorkerPool pool = new WorkerPool(options.threads());
             Progress.Task task = progress.start("score " + models.size() + " models", (long) models.size()
                     * test.positions(), "tok")) {
            for (Map.Entry<String, Path> m : models.entrySet()) {
                task.status(m.getKey());
                LlamaModel model = ModelScorer.load(m.getValue());
                if (model.config().vocabSize() != data.meta().vocabSize()) {
                    throw new InvalidInputException(m.getValue() + " has vocab_size " + model.config().vocabSize()
                            + " but the run's tokenizer has " + data.meta().vocabSize()
                            + "; retrain it with 'chorus train --run " + run + " --all --force'");
                }
                logProbs.put(m.getKey(), ModelScorer.score(model, test, window, pool, task));
            }
        }

        float[][] clusterExperts = new float[experts][];
        float[][] randomExperts = new float[experts][];
        for (int e = 0; e < experts; e++) {
            clusterExperts[e] = logProbs.get(expertKey(e));
            randomExperts[e] = logProbs.get(randomKey(e));
        }
        double[] prior = tokenShares(clusters);
        CentroidRouter.ExpertDistances distances = ClusterDistances.of(options.centroids(), clusters);
        RoutingContext.Decoder decoder = (tokens, length) -> tokenizer.decode(Arrays.copyOf(tokens, length));
        TauCalibration calibration = null;
        double tau;
        if (options.tau().isPresent()) {
            tau = options.tau().getAsDouble();
        } else if (data.documentsOf(Split.VALID).length == 0) {
            tau = Routers.DEFAULT_TAU;
            LOG.warn("{} has no validation documents to choose the centroid router's tau on; using {}", run, tau);
        } else {
            calibration = calibrateTau(run, data, assignments, experts, window, options, distances, prior, decoder,
                    progress);
            tau = calibration.tau();
        }
        CentroidRouter centroid = new CentroidRouter(distances, tau, prior);
        PosteriorRouter posterior = new PosteriorRouter(prior);
        // Routers that choose by the context: their top expert is a routing decision worth scoring.
        List<RoutedEnsemble.Setting> routed = List.of(
                new RoutedEnsemble.Setting("centroid_k1", centroid, 1, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("centroid_k2", centroid, 2, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("centroid_kall", centroid, experts, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("hybrid", new HybridRouter(distances, tau, prior, 2), 2, Runs.ROUTER),
                new RoutedEnsemble.Setting("posterior_k1", posterior, 1, Runs.ALL),
                new RoutedEnsemble.Setting("posterior", posterior, 2, Runs.ALL),
                new RoutedEnsemble.Setting("posterior_kall", posterior, experts, Runs.ALL),
                new RoutedEnsemble.Setting("adaptive", AdaptiveRouter.pruning(prior), experts, Runs.ROUTER));
        List<RoutedEnsemble.Setting> bounds = List.of(
                new RoutedEnsemble.Setting("uniform", new UniformRouter(experts), experts, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("oracle", new OracleRouter(experts), 1, Runs.WEIGHTED));
        List<RoutedEnsemble.Setting> settings = new ArrayList<>(routed);
        settings.addAll(bounds);
        List<RoutedEnsemble.Outcome> outcomes = new ArrayList<>(
                RoutedEnsemble.score(test, clusterExperts, settings, options.reroute(), span, decoder));
        double[] uniformPrior = new double[experts];
        Arrays.fill(uniformPrior, 1.0);
        outcomes.addAll(RoutedEnsemble.score(test, randomExperts, List.of(new RoutedEnsemble.Setting("random_split",
                new PosteriorRouter(uniformPrior), 2, Runs.ALL)), options.reroute(), span, null));
        List<RoutedEnsemble.Outcome> documentMemory = List.of();
        if (options.routerContext() == RouterContext.DOCUMENT) {
            List<RoutedEnsemble.Setting> remembering = routed.stream().map(s -> new RoutedEnsemble.Setting(
                    s.key() + DOCUMENT_MEMORY_SUFFIX, s.router(), s.k(), s.runs())).toList();
            documentMemory = RoutedEnsemble.score(test, clusterExperts, remembering, options.reroute(), window,
                    RouterContext.DOCUMENT.span(window), decoder);
        }

        EvalResultsBuilder results = new EvalResultsBuilder(test, experts, data.meta().labels());
        results.header(window, headline, options, tau, calibration);
        results.prior(prior);
        for (String key : List.of("seed", "dense")) {
            results.model(key, RoutedEnsemble.documentNll(test, logProbs.get(key)));
        }
        for (RoutedEnsemble.Outcome o : outcomes) {
            results.ensemble(o, routed.contains(o.setting()));
        }
        for (RoutedEnsemble.Outcome o : documentMemory) {
            results.ensemble(o, true);
        }
        for (int e = 0; e < experts; e++) {
            results.model(expertKey(e), RoutedEnsemble.documentNll(test, clusterExperts[e]));
        }
        for (String key : models.keySet()) {
            if (key.startsWith(MERGED_PREFIX)) {
                results.model(key, RoutedEnsemble.documentNll(test, logProbs.get(key)));
            }
        }
        results.routingMap(outcomes.get(0)); // centroid k = 1: the first setting scored
        EvalResults written = results.finish((System.nanoTime() - t0) / 1e9, inputs);
        Files.createDirectories(run.evalDir());
        JsonFiles.write(run.evalResults(), written);
        return written;
    }

    /** Scores the cluster experts on validation documents and picks the centroid router's τ there. */
    private static TauCalibration calibrateTau(RunDir run, ShardReader data, ClusterAssignments assignments,
                                               int experts, int window, EvalOptions options,
                                               CentroidRouter.ExpertDistances distances, double[] prior,
                                               RoutingContext.Decoder decoder, Progress progress) throws IOException {
        TestSet valid = TestSet.of(data, assignments, Split.VALID, TauCalibration.TOKENS);
        float[][] logProbs = new float[experts][];
        try (WorkerPool pool = new WorkerPool(options.threads());
             Progress.Task task = progress.start("calibrate tau on validation", (long) experts * valid.positions(),
                     "tok")) {
            for (int e = 0; e < experts; e++) {
                task.status(expertKey(e));
                logProbs[e] = ModelScorer.score(ModelScorer.load(run.expertDir(e)), valid, window, pool, task);
            }
        }
        TauCalibration c = TauCalibration.choose(valid, logProbs, distances, prior, 2, options.reroute(),
                RouterContext.WINDOW.span(window), decoder);
        LOG.info("centroid router: tau {} (validation perplexity by tau: {})", c.tau(), c.perplexityByTau());
        return c;
    }

    /**
     * Whether a results.json was written by this format (an older one routed with document memory) and carries
     * the intervals (the first v2 files did not).
     */
    public static boolean isCurrent(Path results) throws IOException {
        try {
            EvalResults read = JsonFiles.read(results, EvalResults.class);
            return FORMAT.equals(read.format()) && read.vsDenseCi95() != null;
        } catch (JacksonException e) {
            return false;
        }
    }

    /** Every model the evaluation scores, by its results.json key; merged models are optional extras. */
    private static Map<String, Path> modelFolders(RunDir run, int experts) throws IOException {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put("seed", run.seedDir());
        m.put("dense", run.denseDir());
        for (int e = 0; e < experts; e++) {
            m.put(expertKey(e), run.expertDir(e));
        }
        for (int e = 0; e < experts; e++) {
            m.put(randomKey(e), run.randomExpertDir(e));
        }
        if (Files.isDirectory(run.mergedDir())) {
            try (Stream<Path> merged = Files.list(run.mergedDir())) {
                merged.filter(p -> !p.getFileName().toString().startsWith(".")
                                && Files.isRegularFile(p.resolve(Checkpoints.WEIGHTS_FILE)))
                        .sorted().forEach(p -> m.put(MERGED_PREFIX + p.getFileName(), p));
            }
        }
        return m;
    }

    private static void requireTrained(RunDir run, String key, Path dir) {
        if (Files.isRegularFile(dir.resolve(Checkpoints.WEIGHTS_FILE))) {
            return;
        }
        String job;
        if (key.equals("seed")) {
            job = "--seed";
        } else if (key.equals("dense")) {
            job = "--dense";
        } else if (key.startsWith("expert_")) {
            job = "--expert " + key.substring("expert_".length());
        } else {
            job = "--random-split";
        }
        throw new InvalidInputException("model " + key.replace('_', ' ') + " is not trained (" + dir + " holds no "
                + Checkpoints.WEIGHTS_FILE + "); run 'chorus train --run " + run + " " + job
                + "' (or --all) first");
    }

    static String expertKey(int e) {
        return "expert_" + e;
    }

    private static String randomKey(int e) {
        return "random_" + e;
    }

    /** "-19.6% [-23.1, -15.8]": a row's change of perplexity against dense and its interval; "" for dense. */
    public static String vsDense(EvalResults results, String key) {
        Double change = results.vsDense() == null ? null : results.vsDense().get(key);
        if (change == null) {
            return "";
        }
        String point = String.format(Locale.ROOT, "%+.1f%%", change);
        return point + results.interval(key).map(ci -> String.format(Locale.ROOT, " [%+.1f, %+.1f]", ci.low(),
                ci.high())).orElse("");
    }

    /** P(expert) before any context: each expert domain's share of the training tokens. */
    public static double[] tokenShares(ClusterModel clusters) {
        double[] share = new double[clusters.experts()];
        for (int f = 0; f < clusters.fineClusters(); f++) {
            share[clusters.expertOfFine(f)] += clusters.fineTokens(f);
        }
        double sum = Arrays.stream(share).sum();
        for (int e = 0; e < share.length; e++) {
            share[e] = sum > 0 ? share[e] / sum : 1.0 / share.length;
        }
        return share;
    }

    /**
     * The compact table: one row per model or ensemble; perplexity, its change against dense with the 95 %
     * interval, experts run per token, routing accuracy.
     */
    public static String table(EvalResults results) {
        StringBuilder sb = new StringBuilder();
        Map<String, Double> ppl = results.perplexity() == null ? Map.of() : results.perplexity();
        int width = 16;
        for (String key : ppl.keySet()) {
            width = Math.max(width, key.length()); // merged models carry their folder's name
        }
        String split = results.split() == null ? "test" : results.split();
        String row = "%-" + width + "s %10s  %-26s %14s %12s%n";
        sb.append(String.format(row, "model", split + " ppl", "vs dense [95% CI]", "experts/token", "routing acc"));
        Map<String, Number> cost = results.expertsPerToken() == null ? Map.of() : results.expertsPerToken();
        Map<String, Double> acc = results.routingAccuracy() == null ? Map.of() : results.routingAccuracy();
        List<String> rows = new ArrayList<>(List.of("seed", "dense"));
        for (String key : ppl.keySet()) {
            if (key.startsWith("expert_")) {
                rows.add(key);
            }
        }
        for (String key : ppl.keySet()) {
            if (!rows.contains(key)) {
                rows.add(key);
            }
        }
        for (String key : rows) {
            Number c = cost.get(key);
            Double a = acc.get(key);
            sb.append(String.format(row, key, String.format("%.2f", results.perplexityOf(key)), vsDense(results, key),
                    c == null ? "1" : String.format("%.2f", c.doubleValue()),
                    a == null ? "-" : String.format("%.1f%%", 100 * a)));
        }
        sb.append(String.format("%,d test tokens in %,d documents, window %d, routers read the %s, reroute %d, tau %s;"
                        + " %.1f s", results.testTokens(), results.testDocuments(), results.window(),
                results.routerContext() == null ? "window" : results.routerContext(), results.reroute(),
                Double.toString(results.tau()), results.seconds()));
        if (results.vsDenseCi95() != null) {
            sb.append(String.format("%nvs dense: change of perplexity; [95%% CI]: paired bootstrap over the %s documents"
                    + " (%,d resamples); an ensemble beats dense only if the whole interval is below 0",
                    split, results.vsDenseBootstrap() == null ? 0 : results.vsDenseBootstrap().resamples()));
        }
        if (rows.stream().anyMatch(k -> k.endsWith(DOCUMENT_MEMORY_SUFFIX))) {
            sb.append(String.format("%n*%s: router with document memory — information the dense model does not get",
                    DOCUMENT_MEMORY_SUFFIX));
        }
        return sb.toString();
    }
}
