package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.eval.EvalResults;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code chorus demo}'s printed headline claims only what each row's interval allows. */
class DemoHeadlineTest {
    private static EvalResults results(String centroidCi, String hybridCi) throws Exception {
        return new ObjectMapper().readValue("""
                {"perplexity": {"dense": 70.0, "centroid_k2": 56.0, "hybrid": 63.0, "random_split": 77.0,
                                "centroid_k2_document_memory": 40.0},
                 "vs_dense": {"centroid_k2": -20.0, "hybrid": -10.0, "random_split": 10.0,
                              "centroid_k2_document_memory": -42.9},
                 "vs_dense_ci95": {"centroid_k2": %s, "hybrid": %s, "random_split": [4.0, 16.0],
                                   "centroid_k2_document_memory": [-50.0, -35.0]}}
                """.formatted(centroidCi, hybridCi), EvalResults.class);
    }

    @Test
    void beatsDenseOnlyWhenTheWholeIntervalIsBelowZero() throws Exception {
        String line = DemoCommand.headline(results("[-24.0, -15.5]", "[-21.0, 1.5]"));
        assertThat(line).contains("perplexity 56.00 vs dense 70.00, -20.0% [-24.0, -15.5]: beats dense;")
                .contains("hybrid router (k=2) 63.00, -10.0% [-21.0, +1.5]: not distinguishable from dense;")
                .contains("random split 77.00, +10.0% [+4.0, +16.0]: worse than dense");
    }

    @Test
    void theHeadlineIsTheWindowRowEvenWhenDocumentMemoryLooksBetter() throws Exception {
        String line = DemoCommand.headline(results("[-22.0, 0.5]", "[-21.0, 1.5]"));
        assertThat(line).doesNotContain("beats dense").doesNotContain("40.00").doesNotContain("-42.9")
                .contains("56.00 vs dense 70.00, -20.0% [-22.0, +0.5]: not distinguishable from dense");
    }

    @Test
    void theAdaptiveRouterLeadsWithItsCostWhenEvalScoredIt() throws Exception {
        EvalResults r = new ObjectMapper().readValue("""
                {"perplexity": {"dense": 70.0, "adaptive": 54.0, "centroid_k2": 70.1, "hybrid": 65.0,
                                "random_split": 77.0},
                 "experts_per_token": {"adaptive": 1.3149},
                 "vs_dense_ci95": {"adaptive": [-24.5, -21.0], "centroid_k2": [-3.7, 3.8], "hybrid": [-10.4, -3.2],
                                   "random_split": [9.9, 12.0]}}
                """, EvalResults.class);
        assertThat(DemoCommand.headline(r))
                .startsWith("adaptive router (1.31 experts/token): perplexity 54.00 vs dense 70.00, -22.9%"
                        + " [-24.5, -21.0]: beats dense; centroid-routed ensemble (k=2): perplexity 70.10")
                .contains("+0.1% [-3.7, +3.8]: not distinguishable from dense");
    }

    @Test
    void withoutIntervalsThereIsNoClaim() throws Exception {
        EvalResults old = new ObjectMapper().readValue(
                "{\"perplexity\": {\"dense\": 70.0, \"centroid_k2\": 56.0, \"hybrid\": 63.0, \"random_split\": 77.0}}",
                EvalResults.class);
        assertThat(DemoCommand.headline(old)).doesNotContain("beats").doesNotContain("distinguishable")
                .contains("-20.0% (no interval in results.json; re-run 'chorus eval')");
    }
}
