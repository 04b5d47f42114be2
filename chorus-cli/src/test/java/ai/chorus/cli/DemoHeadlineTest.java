package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code chorus demo}'s printed headline claims only what each row's interval allows. */
class DemoHeadlineTest {
    private static JsonNode results(String centroidCi, String hybridCi) throws Exception {
        return new ObjectMapper().readTree("""
                {"perplexity": {"dense": 70.0, "centroid_k2": 56.0, "hybrid": 63.0, "random_split": 77.0,
                                "centroid_k2_document_memory": 40.0},
                 "vs_dense": {"centroid_k2": -20.0, "hybrid": -10.0, "random_split": 10.0,
                              "centroid_k2_document_memory": -42.9},
                 "vs_dense_ci95": {"centroid_k2": %s, "hybrid": %s, "random_split": [4.0, 16.0],
                                   "centroid_k2_document_memory": [-50.0, -35.0]}}
                """.formatted(centroidCi, hybridCi));
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
    void withoutIntervalsThereIsNoClaim() throws Exception {
        JsonNode old = new ObjectMapper().readTree(
                "{\"perplexity\": {\"dense\": 70.0, \"centroid_k2\": 56.0, \"hybrid\": 63.0, \"random_split\": 77.0}}");
        assertThat(DemoCommand.headline(old)).doesNotContain("beats").doesNotContain("distinguishable")
                .contains("-20.0% (no interval in results.json; re-run 'chorus eval')");
    }
}
