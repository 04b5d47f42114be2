package ai.chorus.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportStepTest {
    /** A fixed time on the page, so that two renderings of the same run are the same bytes. */
    static final ReportStep.Options GENERATED = new ReportStep.Options(Instant.parse("2026-01-02T03:04:05Z"));

    /** Fixture charts: change vs dense, per domain, per label, routing map, 8 training jobs, token shares. */
    private static final int FULL_CHARTS = 1 + 1 + 1 + 1 + (1 + 3 + 1 + 3) + 1;
    private static final String[] SECTIONS = {"headline", "domains", "routing", "training", "clusters", "configuration"};

    @TempDir
    static Path shared;
    static RunDir full;
    static ReportStep.Result fullResult;
    static String fullHtml;

    @BeforeAll
    static void renderFullFixture() throws IOException {
        full = ReportFixture.write(shared.resolve("full"));
        fullResult = ReportStep.run(full, GENERATED, Progress.NONE);
        fullHtml = Files.readString(fullResult.file());
    }

    @Test
    void writesOneReportWithEverySectionAndOnePlotPerChart() {
        assertThat(fullResult.file()).isEqualTo(full.report());
        assertThat(fullResult.evaluated()).isTrue();
        assertThat(fullResult.jobs()).isEqualTo(8);
        assertThat(fullResult.charts()).isEqualTo(FULL_CHARTS);
        for (String id : SECTIONS) {
            assertThat(fullHtml).contains("<section id=\"" + id + "\">");
        }
        assertThat(count(fullHtml, "<svg")).isEqualTo(FULL_CHARTS);
        assertThat(count(fullHtml, "<figure class=\"chart")).isEqualTo(FULL_CHARTS);
        assertThat(count(fullHtml, "data:image/png")).isZero();
        // Every chart is complete, and its clip ids are unique on the page.
        assertThat(count(fullHtml, "</svg>")).isEqualTo(FULL_CHARTS);
        Matcher ids = Pattern.compile("id=\"(c\\d+-clip\\d+)\"").matcher(fullHtml);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (ids.find()) {
            assertThat(seen.add(ids.group(1))).as("duplicate id %s", ids.group(1)).isTrue();
        }
    }

    @Test
    void headlineComparesEnsembleAndRandomSplitWithDense() {
        // 140.3 / 180.4 − 1 = −22.2%, 185.0 / 180.4 − 1 = +2.5%
        assertThat(fullHtml).contains("180.4", "140.3", "185.0", "\u221222.2%", "+2.5%");
        assertThat(fullHtml).contains("Centroid router, k = 2", "Posterior router (BTM)", "Expert 2 alone");
        assertThat(fullHtml).contains("93.0%"); // routing accuracy column
        assertThat(fullHtml).contains("<span class=\"better\">met</span>");
        assertThat(fullHtml).doesNotContain("No evaluation yet");
        // the intervals beside the changes: −22.2 − 3 and −22.2 + 2.5; the random split's straddles 0
        assertThat(fullHtml).contains("\u221222.2%</span> [\u221225.2, \u221219.7] vs dense",
                "<span class=\"better\">beats dense</span>", "+2.5%</span> [\u22120.5, +5.0] vs dense",
                "<span class=\"neutral\">not distinguishable from dense</span>",
                "<span class=\"better\">as expected</span>");
        assertThat(fullHtml).contains("aria-label=\"Change of perplexity against dense with 95% intervals");
    }

    @Test
    void beatsDenseOnlyWithTheWholeIntervalBelowZeroAndNeverOnDocumentMemory(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Path file = run.evalResults();
        com.fasterxml.jackson.databind.node.ObjectNode results = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        // the window row's interval reaches above 0; the document-memory row's lies far below
        ((com.fasterxml.jackson.databind.node.ArrayNode) results.path("vs_dense_ci95").path("centroid_k2"))
                .removeAll().add(-25.0).add(0.4);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("perplexity"))
                .put("centroid_k2_document_memory", 100.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("vs_dense")).put("centroid_k2_document_memory", -44.6);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("vs_dense_ci95")).putArray(
                "centroid_k2_document_memory").add(-48.0).add(-41.0);
        Files.writeString(file, results.toString());
        String html = Files.readString(ReportStep.run(run, GENERATED, Progress.NONE).file());
        assertThat(html).doesNotContain("beats dense").doesNotContain("class=\"better\">met<")
                .contains("[\u221225.0, +0.4] vs dense</div><div class=\"card-claim\"><span class=\"neutral\">"
                        + "not distinguishable from dense</span>")
                .contains("router with document memory (information the dense model does not get)");
    }

    @Test
    void theAdaptiveRouterIsTheHeadlineWhenEvalScoredIt(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Path file = run.evalResults();
        com.fasterxml.jackson.databind.node.ObjectNode results = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        // dense 180.4: 135.3 / 180.4 − 1 = −25.0 %
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("perplexity")).put("adaptive", 135.3);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("vs_dense")).put("adaptive", -25.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("vs_dense_ci95")).putArray("adaptive")
                .add(-27.0).add(-23.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) results.get("experts_per_token")).put("adaptive", 1.3149);
        Files.writeString(file, results.toString());
        String html = Files.readString(ReportStep.run(run, GENERATED, Progress.NONE).file());
        assertThat(html).contains("Ensemble · adaptive (1.31 experts per token)")
                .contains("The adaptive router (1.31 experts per token) is <b>\u221225.0% [\u221227.0, \u221223.0]</b>")
                .contains("<th class=\"num\">ensemble (adaptive)</th>");
    }

    @Test
    void escapesLabelsAndTerms() {
        assertThat(fullHtml).doesNotContain(ReportFixture.HOSTILE_LABEL).doesNotContain("<script")
                .doesNotContain(ReportFixture.HOSTILE_TERM);
        assertThat(fullHtml).contains(Html.escape(ReportFixture.HOSTILE_LABEL))
                .contains(Html.escape(ReportFixture.HOSTILE_TERM));
    }

    @Test
    void isSelfContained() {
        assertThat(fullHtml).doesNotContain("src=\"http").doesNotContain("href=\"http")
                .doesNotContain("<link").doesNotContain("@import").doesNotContain("url(http")
                .doesNotContain("<?xml").doesNotContain("<!DOCTYPE svg");
        assertThat(fullHtml).startsWith("<!DOCTYPE html>").contains("<style>");
        try (Stream<Path> files = Files.list(full.evalDir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(RunDir.RESULTS, RunDir.REPORT);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void showsConfigurationAndCompute() {
        assertThat(fullHtml).contains("<h3>prepare</h3>", "<h3>cluster</h3>", "<h3>train</h3>", "branch_lr",
                "ef3a892589", "compute-matched", "4m 11s");
    }

    @Test
    void withoutResultsStillRendersWhatExists(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Files.delete(run.evalResults());
        ReportStep.Result result = ReportStep.run(run, GENERATED, Progress.NONE);
        String html = Files.readString(result.file());
        assertThat(result.evaluated()).isFalse();
        assertThat(result.charts()).isEqualTo(8 + 1); // training curves and token shares
        assertThat(count(html, "<svg")).isEqualTo(result.charts());
        assertThat(html).contains("No evaluation yet", "chorus eval --run", "for the comparison");
        for (String id : SECTIONS) {
            assertThat(html).contains("<section id=\"" + id + "\">");
        }
    }

    @Test
    void skipsMissingJobsAndTornLogLines(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        deleteTree(run.denseDir());
        deleteTree(run.randomExpertDir(0).getParent());
        Files.delete(RunDir.provenance(run.expertDir(2)));
        Files.writeString(RunDir.curves(run.expertDir(2)), "{\"step\":21,\"tok", java.nio.file.StandardOpenOption.APPEND);
        ReportFixture.writeResults(run, false);
        ReportStep.Result result = ReportStep.run(run, GENERATED, Progress.NONE);
        String html = Files.readString(result.file());
        assertThat(result.jobs()).isEqualTo(4);
        assertThat(result.charts()).isEqualTo(1 + 1 + 1 + 4 + 1); // no per-label chart without per_label
        assertThat(html).contains("1 unreadable line(s) skipped", "unfinished");
        assertThat(html).doesNotContain("<h3>Per label</h3>");
    }

    @Test
    void toleratesResultsWithOnlyTheRequiredPerplexities(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Files.writeString(run.evalResults(), """
                {"format": "chorus-eval-v2", "perplexity": {"seed": 300, "dense": 200, "centroid_k1": 180,
                 "centroid_k2": 170, "posterior": 175, "uniform": 190, "oracle": 165, "random_split": 210}}
                """);
        ReportStep.Result result = ReportStep.run(run, GENERATED, Progress.NONE);
        String html = Files.readString(result.file());
        assertThat(result.evaluated()).isTrue();
        assertThat(result.charts()).isEqualTo(8 + 1);
        assertThat(html).contains("\u221215.0%", "+5.0%", "No <code>per_domain</code> yet",
                "No <code>routing_map</code> yet");
        // a v2 file from before the intervals: the change, but no claim either way
        assertThat(html).contains("no interval: re-run <code>chorus eval</code>").doesNotContain("beats dense")
                .doesNotContain("distinguishable");
    }

    @Test
    void degenerateSectionsBecomeNotesNotCrashes(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Files.writeString(run.evalResults(), """
                {"format": "chorus-eval-v2", "perplexity": {"dense": 200, "centroid_k2": null, "posterior": 190},
                 "per_domain": {"dense": {}, "centroid_k2": {}}, "per_label": {"dense": {}},
                 "experts_per_token": {"posterior": 1.7333},
                 "routing_map": {"rows_are": "label", "rows": ["en"], "experts": [], "counts": [[]]}}
                """);
        ReportStep.Result result = ReportStep.run(run, GENERATED, Progress.NONE);
        String html = Files.readString(result.file());
        assertThat(result.charts()).isEqualTo(8 + 1);
        assertThat(html).contains("No <code>per_domain</code> yet", "No <code>routing_map</code> yet")
                .doesNotContain("<h3>Per label</h3>");
        assertThat(html).contains("no <code>centroid_k2</code> in results.json", ">1.73<");
    }

    @Test
    void refusesAnUnpreparedRun(@TempDir Path dir) {
        assertThatThrownBy(() -> ReportStep.run(RunDir.of(dir.resolve("nothing")), GENERATED, Progress.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ReportStep.run(RunDir.of(dir), GENERATED, Progress.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("chorus prepare");
    }

    @Test
    void corruptResultsFailClearlyAndKeepTheOldReport(@TempDir Path dir) throws IOException {
        RunDir run = ReportFixture.write(dir);
        Path report = ReportStep.run(run, GENERATED, Progress.NONE).file();
        String before = Files.readString(report);
        Files.writeString(run.evalResults(), "{\"format\": \"chorus-eval-v2\", \"perplex");
        assertThatThrownBy(() -> ReportStep.run(run, GENERATED, Progress.NONE)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("results.json").hasMessageContaining("chorus eval");
        Files.writeString(run.evalResults(), "{\"format\": \"something-else\"}");
        assertThatThrownBy(() -> ReportStep.run(run, GENERATED, Progress.NONE)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("chorus-eval-v2");
        assertThat(Files.readString(report)).isEqualTo(before);
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
