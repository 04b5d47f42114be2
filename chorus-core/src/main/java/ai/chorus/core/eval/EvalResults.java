package ai.chorus.core.eval;

import ai.chorus.core.run.RunSpec;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@code eval/results.json} object (format {@value EvalStep#FORMAT}) from per-document
 * negative log-likelihoods: every perplexity is exp(Σ NLL / tokens) over the same test positions, and every
 * row's change against dense comes with its paired-bootstrap interval ({@link PairedBootstrap}).
 */
final class EvalResults {
    private final TestSet test;
    private final int experts;
    private final List<String> labels;
    private final ObjectNode root = RunSpec.JSON.createObjectNode();
    private final ObjectNode perplexity;
    private final ObjectNode perDomain;
    private final ObjectNode perLabel;
    private final ObjectNode accuracy;
    private final ObjectNode cost;
    /** Every row's per-document NLL, for its interval against dense. */
    private final Map<String, double[]> documentNll = new LinkedHashMap<>();

    EvalResults(TestSet test, int experts, List<String> labels) {
        this.test = test;
        this.experts = experts;
        this.labels = labels == null ? List.of() : labels;
        root.put("format", EvalStep.FORMAT);
        root.put("test_documents", test.documents());
        root.put("test_tokens", test.positions());
        perplexity = RunSpec.JSON.createObjectNode();
        perDomain = RunSpec.JSON.createObjectNode();
        perLabel = RunSpec.JSON.createObjectNode();
        accuracy = RunSpec.JSON.createObjectNode();
        cost = RunSpec.JSON.createObjectNode();
    }

    void header(int window, RouterContext routerContext, EvalOptions options, double tau,
                TauCalibration calibration) {
        root.put("split", test.split().key());
        root.put("window", window);
        root.put("router_context", routerContext.key());
        root.put("reroute", options.reroute());
        root.put("tau", tau);
        if (calibration != null) {
            ObjectNode c = root.putObject("tau_calibration");
            c.put("split", calibration.split().key()); // the split of the tokens it actually scored
            c.put("tokens", calibration.tokens());
            c.put("k", calibration.k());
            ObjectNode byTau = c.putObject("perplexity_by_tau");
            calibration.perplexityByTau().forEach((t, ppl) -> byTau.put(Double.toString(t), ppl));
        }
        root.put("centroids", options.centroids());
        root.put("experts", experts);
        root.put("max_tokens", options.maxTokens());
    }

    /** The prior of the centroid and posterior routers (the clusters' train-token shares). */
    void prior(double[] prior) {
        ArrayNode a = root.putArray("prior");
        for (double p : prior) {
            a.add(p);
        }
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
        ObjectNode map = root.putObject("routing_map");
        map.put("router", o.setting().key());
        map.put("rows_are", byLabel ? "label" : "cluster");
        map.put("counts_are", "tokens");
        ArrayNode names = map.putArray("rows");
        for (int r = 0; r < rows; r++) {
            names.add(byLabel ? labels.get(r) : Integer.toString(r));
        }
        ArrayNode ex = map.putArray("experts");
        for (int e = 0; e < experts; e++) {
            ex.add(e);
        }
        ArrayNode c = map.putArray("counts");
        for (long[] row : counts) {
            ArrayNode a = c.addArray();
            for (long v : row) {
                a.add(v);
            }
        }
    }

    ObjectNode finish(double seconds) {
        root.set("perplexity", perplexity);
        vsDense();
        root.set("per_domain", perDomain);
        if (!labels.isEmpty()) {
            root.set("per_label", perLabel);
        }
        ObjectNode domainTokens = root.putObject("domain_tokens");
        long[] tokens = tokensBy(false, experts);
        for (int d = 0; d < experts; d++) {
            if (tokens[d] > 0) {
                domainTokens.put(Integer.toString(d), tokens[d]);
            }
        }
        if (!labels.isEmpty()) {
            ObjectNode labelTokens = root.putObject("label_tokens");
            long[] byLabel = tokensBy(true, labels.size());
            for (int l = 0; l < labels.size(); l++) {
                if (byLabel[l] > 0) {
                    labelTokens.put(labels.get(l), byLabel[l]);
                }
            }
        }
        root.set("routing_accuracy", accuracy);
        root.set("experts_per_token", cost);
        ObjectNode map = (ObjectNode) root.remove("routing_map");
        if (map != null) {
            root.set("routing_map", map);
        }
        root.put("seconds", Math.round(seconds * 10) / 10.0);
        return root;
    }

    private void perplexities(String key, double[] documentNll) {
        this.documentNll.put(key, documentNll);
        double total = 0;
        for (double v : documentNll) {
            total += v;
        }
        perplexity.put(key, Math.exp(total / test.positions()));
        perDomain.set(key, grouped(documentNll, false, experts));
        if (!labels.isEmpty()) {
            perLabel.set(key, grouped(documentNll, true, labels.size()));
        }
    }

    /**
     * vs_dense: each row's percent change of perplexity against dense; vs_dense_ci95: its 95 % paired-bootstrap
     * interval [low, high] over the test documents.
     */
    private void vsDense() {
        double[] dense = documentNll.get("dense");
        if (dense == null) {
            return;
        }
        long[] tokens = test.documentTokens();
        PairedBootstrap bootstrap = PairedBootstrap.standard();
        ObjectNode change = root.putObject("vs_dense");
        ObjectNode intervals = root.putObject("vs_dense_ci95");
        ObjectNode how = root.putObject("vs_dense_bootstrap");
        how.put("resampled", "documents");
        how.put("paired", true);
        how.put("resamples", PairedBootstrap.RESAMPLES);
        how.put("seed", PairedBootstrap.SEED);
        how.putArray("percentiles").add(2.5).add(97.5);
        for (Map.Entry<String, double[]> row : documentNll.entrySet()) {
            if (row.getKey().equals("dense")) {
                continue;
            }
            change.put(row.getKey(), PairedBootstrap.percentChange(row.getValue(), dense, tokens));
            PairedBootstrap.Interval ci = bootstrap.interval(row.getValue(), dense, tokens);
            intervals.putArray(row.getKey()).add(ci.low()).add(ci.high());
        }
    }

    private ObjectNode grouped(double[] documentNll, boolean byLabel, int groups) {
        double[] nll = new double[groups];
        long[] tokens = new long[groups];
        for (int i = 0; i < test.documents(); i++) {
            int g = byLabel ? test.label(i) : test.domain(i);
            if (g >= 0) {
                nll[g] += documentNll[i];
                tokens[g] += test.end(i) - test.start(i);
            }
        }
        ObjectNode out = RunSpec.JSON.createObjectNode();
        for (int g = 0; g < groups; g++) {
            if (tokens[g] > 0) {
                out.put(byLabel ? labels.get(g) : Integer.toString(g), Math.exp(nll[g] / tokens[g]));
            }
        }
        return out;
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
