package ai.chorus.core.eval;

import ai.chorus.core.run.RunInputs;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code eval/results.json} (format {@value EvalStep#FORMAT}): what {@link EvalStep} writes and returns, and what
 * the report, the demo and {@code chorus eval}'s table read. Keys of the per-model maps are results keys:
 * {@code seed}, {@code dense}, {@code expert_N}, the ensembles, {@value EvalStep#MERGED_PREFIX}NAME.
 *
 * @param testTokens the scored positions (of the split in {@code split})
 * @param tauCalibration how τ was chosen on validation; absent when it was given
 * @param prior the prior of the centroid and posterior routers: each expert domain's share of the train tokens
 * @param perplexity per model and ensemble
 * @param vsDense per row but dense: the percent change of perplexity against dense
 * @param vsDenseCi95 per row but dense: its 95 % paired-bootstrap interval [low, high]
 * @param perDomain per row: perplexity per expert domain (the document's cluster, by index)
 * @param perLabel per row: perplexity per label; absent when documents carry none
 * @param routingAccuracy per routed ensemble: the share of decisions whose top expert is the document's cluster
 * @param expertsPerToken per row: expert forward passes per scored token (1 for a single model, written as 1)
 * @param routingMap the tokens centroid k = 1 gave each expert, per true cluster or label
 * @param inputs what was scored ({@code RunFingerprints})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalResults(String format, int testDocuments, long testTokens, String split, int window,
                          String routerContext, int reroute, double tau, Calibration tauCalibration, String centroids,
                          int experts, long maxTokens, double[] prior, Map<String, Double> perplexity,
                          Map<String, Double> vsDense, Map<String, double[]> vsDenseCi95, Bootstrap vsDenseBootstrap,
                          Map<String, Map<String, Double>> perDomain, Map<String, Map<String, Double>> perLabel,
                          Map<String, Long> domainTokens, Map<String, Long> labelTokens,
                          Map<String, Double> routingAccuracy, Map<String, Number> expertsPerToken,
                          RoutingMap routingMap, double seconds, RunInputs inputs) {

    /** How τ was chosen: validation perplexity of centroid k = {@code k} for each candidate τ. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Calibration(String split, int tokens, int k, Map<String, Double> perplexityByTau) {}

    /** How the intervals were computed ({@link PairedBootstrap}). */
    public record Bootstrap(String resampled, boolean paired, int resamples, long seed, double[] percentiles) {}

    /**
     * Tokens by (true cluster or label) × chosen expert.
     *
     * @param router the ensemble whose top choices are counted
     * @param rowsAre "cluster" or "label"
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RoutingMap(String router, String rowsAre, String countsAre, List<String> rows, int[] experts,
                             long[][] counts) {}

    /** Perplexity of a row; NaN when this file has none. */
    public double perplexityOf(String key) {
        Double v = perplexity == null ? null : perplexity.get(key);
        return v == null ? Double.NaN : v;
    }

    /** Whether the row was scored. */
    public boolean scored(String key) {
        return perplexity != null && perplexity.containsKey(key);
    }

    /** Expert forward passes per token of a row; NaN when this file has none. */
    public double expertsPerTokenOf(String key) {
        Number v = expertsPerToken == null ? null : expertsPerToken.get(key);
        return v == null ? Double.NaN : v.doubleValue();
    }

    /** A row's 95 % interval of change against dense; empty for dense or an older file. */
    public Optional<PairedBootstrap.Interval> interval(String key) {
        double[] ci = vsDenseCi95 == null ? null : vsDenseCi95.get(key);
        return ci == null || ci.length != 2 ? Optional.empty() : Optional.of(new PairedBootstrap.Interval(ci[0], ci[1]));
    }
}
