package ai.chorus.core.eval;

import ai.chorus.core.run.RunInputs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link EvalResults} from per-document negative log-likelihoods: every perplexity is exp(Σ NLL / tokens)
 * over the same test positions, and every row's change against dense comes with its paired-bootstrap interval
 * ({@link PairedBootstrap}).
 */
final class EvalResultsBuilder {
    private final TestSet test;
    private final int experts;
    private final List<String> labels;
    private int window;
    private RouterContext routerContext;
    private EvalOptions options;
    private double tau;
    private EvalResults.Calibration calibration;
    private double[] prior;
    private EvalResults.RoutingMap routingMap;
    private final Map<String, Double> perplexity = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> perDomain = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> perLabel = new LinkedHashMap<>();
    private final Map<String, Double> accuracy = new LinkedHashMap<>();
    private final Map<String, Number> cost = new LinkedHashMap<>();
    /** Every row's per-document NLL, for its interval against dense. */
    private final Map<String, double[]> documentNll = new LinkedHashMap<>();

    EvalResultsBuilder(TestSet test, int experts, List<String> labels) {
        this.test = test;
        this.experts = experts;
        this.labels = labels == null ? List.of() : labels;
    }

    void header(int window, RouterContext routerContext, EvalOptions options, double tau,
                TauCalibration calibration) {
        this.window = window;
        this.routerContext = routerContext;
        this.options = options;
        this.tau = tau;
        if (calibration != null) {
            Map<String, Double> byTau = new LinkedHashMap<>();
            calibration.perplexityByTau().forEach((t, ppl) -> byTau.put(Double.toString(t), ppl));
            // the split of the tokens it actually scored
            this.calibration = new EvalResults.Calibration(calibration.split().key(), calibration.tokens(),
                    calibration.k(), byTau);
        }
    }

    /** The prior of the centroid and posterior routers (the clusters' train-token shares). */
    void prior(double[] prior) {
        this.prior = prior.clone();
    }

    /** A single model: one expert runs per token. */
    void model(String key, double[] documentNll) {
        perplexities(key, documentNll);
        cost.put(key, 1);
    }

    void ensemble(RoutedEnsemble.Outcome o, boolean withAccuracy) {
        String key = o.setting().key();
        perplexities(key, o.documentNll());
        cost.put(key, o.expertsRun() / test.positions());
        if (withAccuracy) {
            accuracy.put(key, o.routingAccuracy());
        }
    }

    /**
     * How many test tokens centroid k = 1 gave to each expert, per true cluster (or per label when documents
     * have labels).
     */
    void routingMap(RoutedEnsemble.Outcome o) {
        boolean byLabel = !labels.isEmpty();
        int rows = byLabel ? labels.size() : experts;
        long[][] counts = new long[rows][experts];
        for (int i = 0; i < test.documents(); i++) {
            int row = byLabel ? test.label(i) : test.domain(i);
            if (row < 0) {
                continue;
            }
            for (int e = 0; e < experts; e++) {
                counts[row][e] += o.topChoices()[i * experts + e];
            }
        }
        List<String> names = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            names.add(byLabel ? labels.get(r) : Integer.toString(r));
        }
        int[] columns = new int[experts];
        for (int e = 0; e < experts; e++) {
            columns[e] = e;
        }
        routingMap = new EvalResults.RoutingMap(o.setting().key(), byLabel ? "label" : "cluster", "tokens", names,
                columns, counts);
    }

    EvalResults finish(double seconds, RunInputs inputs) {
        Map<String, Double> change = null;
        Map<String, double[]> intervals = null;
        EvalResults.Bootstrap how = null;
        double[] dense = documentNll.get("dense");
        if (dense != null) {
            // vs_dense: each row's percent change of perplexity against dense; vs_dense_ci95: its 95 %
            // paired-bootstrap interval [low, high] over the test documents
            change = new LinkedHashMap<>();
            intervals = new LinkedHashMap<>();
            how = new EvalResults.Bootstrap("documents", true, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED,
                    new double[] {2.5, 97.5});
            long[] tokens = test.documentTokens();
            PairedBootstrap bootstrap = PairedBootstrap.standard();
            for (Map.Entry<String, double[]> row : documentNll.entrySet()) {
                if (row.getKey().equals("dense")) {
                    continue;
                }
                change.put(row.getKey(), PairedBootstrap.percentChange(row.getValue(), dense, tokens));
                PairedBootstrap.Interval ci = bootstrap.interval(row.getValue(), dense, tokens);
                intervals.put(row.getKey(), new double[] {ci.low(), ci.high()});
            }
        }
        Map<String, Long> domainTokens = nonZero(tokensBy(false, experts), false);
        Map<String, Long> labelTokens = labels.isEmpty() ? null : nonZero(tokensBy(true, labels.size()), true);
        return new EvalResults(EvalStep.FORMAT, test.documents(), test.positions(), test.split().key(), window,
                routerContext.key(), options.reroute(), tau, calibration, options.centroids(), experts,
                options.maxTokens(), prior, perplexity, change, intervals, how, perDomain,
                labels.isEmpty() ? null : perLabel, domainTokens, labelTokens, accuracy, cost, routingMap,
                Math.round(seconds * 10) / 10.0, inputs);
    }

    private void perplexities(String key, double[] documentNll) {
        this.documentNll.put(key, documentNll);
        double total = 0;
        for (double v : documentNll) {
            total += v;
        }
        perplexity.put(key, Math.exp(total / test.positions()));
        perDomain.put(key, grouped(documentNll, false, experts));
        if (!labels.isEmpty()) {
            perLabel.put(key, grouped(documentNll, true, labels.size()));
        }
    }

    private Map<String, Double> grouped(double[] documentNll, boolean byLabel, int groups) {
        double[] nll = new double[groups];
        long[] tokens = new long[groups];
        for (int i = 0; i < test.documents(); i++) {
            int g = byLabel ? test.label(i) : test.domain(i);
            if (g >= 0) {
                nll[g] += documentNll[i];
                tokens[g] += test.end(i) - test.start(i);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int g = 0; g < groups; g++) {
            if (tokens[g] > 0) {
                out.put(groupName(g, byLabel), Math.exp(nll[g] / tokens[g]));
            }
        }
        return out;
    }

    private Map<String, Long> nonZero(long[] tokens, boolean byLabel) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int g = 0; g < tokens.length; g++) {
            if (tokens[g] > 0) {
                out.put(groupName(g, byLabel), tokens[g]);
            }
        }
        return out;
    }

    private String groupName(int g, boolean byLabel) {
        return byLabel ? labels.get(g) : Integer.toString(g);
    }

    private long[] tokensBy(boolean byLabel, int groups) {
        long[] tokens = new long[groups];
        for (int i = 0; i < test.documents(); i++) {
            int g = byLabel ? test.label(i) : test.domain(i);
            if (g >= 0) {
                tokens[g] += test.end(i) - test.start(i);
            }
        }
        return tokens;
    }
}
