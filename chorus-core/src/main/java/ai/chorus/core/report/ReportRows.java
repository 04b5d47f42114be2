package ai.chorus.core.report;

import ai.chorus.core.eval.EvalStep;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The rows of {@code results.json} the report knows: their keys, the order it lists them in and their names. */
final class ReportRows {
    /** The three the page compares throughout: results.json keys and how they are called. */
    static final String DENSE = "dense";
    static final String ENSEMBLE = "centroid_k2";
    /** The same cost as {@link #ENSEMBLE}, better routed: the headline's second card when eval scored it. */
    static final String HYBRID = "hybrid";
    static final String RANDOM = "random_split";
    /**
     * The sparse router the project claims (issue 22): every expert starts a window, each stops once its posterior
     * weight falls below a threshold. The page compares it with dense wherever eval scored it, else centroid k = 2.
     */
    static final String ADAPTIVE = "adaptive";

    /** Known perplexity keys in the order the table lists them, with readable names. */
    static final Map<String, String> NAMES;

    static {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("seed", "Seed model (branch point)");
        names.put(DENSE, "Dense baseline (compute-matched)");
        names.put("centroid_k1", "Centroid router, k = 1");
        names.put(ADAPTIVE, "Adaptive router (every expert starts, each stops below a posterior threshold)");
        names.put(ENSEMBLE, "Centroid router, k = 2");
        names.put("centroid_kall", "Centroid router, all experts");
        names.put(HYBRID, "Hybrid router, k = 2 (centroid picks, posterior weighs)");
        names.put("posterior", "Posterior router (BTM)");
        names.put("uniform", "Uniform ensemble");
        names.put("oracle", "Oracle routing (true cluster; analysis only)");
        names.put(RANDOM, "Random-split ensemble (ablation)");
        NAMES = Collections.unmodifiableMap(names);
    }

    private ReportRows() {}

    /** A results key as the page calls it. */
    static String name(String key) {
        if (key.endsWith(EvalStep.DOCUMENT_MEMORY_SUFFIX)) {
            return name(key.substring(0, key.length() - EvalStep.DOCUMENT_MEMORY_SUFFIX.length()))
                    + ", router with document memory (information the dense model does not get)";
        }
        String known = NAMES.get(key);
        if (known != null) {
            return known;
        }
        if (key.startsWith(EvalStep.MERGED_PREFIX)) {
            return "Merged model " + key.substring(EvalStep.MERGED_PREFIX.length());
        }
        int e = expertIndex(key);
        return e < Integer.MAX_VALUE ? "Expert " + e + " alone" : key;
    }

    /** The N of "expert_N"; MAX_VALUE for other keys, so experts sort first among the rest. */
    static int expertIndex(String key) {
        if (key.startsWith("expert_")) {
            try {
                return Integer.parseInt(key.substring("expert_".length()));
            } catch (NumberFormatException e) {
                return Integer.MAX_VALUE;
            }
        }
        return Integer.MAX_VALUE;
    }
}
