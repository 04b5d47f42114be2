package ai.chorus.core.report;

import static ai.chorus.core.report.Html.escape;
import static ai.chorus.core.report.ReportRows.ADAPTIVE;
import static ai.chorus.core.report.ReportRows.DENSE;
import static ai.chorus.core.report.ReportRows.ENSEMBLE;
import static ai.chorus.core.report.ReportRows.HYBRID;
import static ai.chorus.core.report.ReportRows.RANDOM;

import ai.chorus.core.Chorus;
import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.eval.PairedBootstrap;
import ai.chorus.core.run.TrainProvenance;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.knowm.xchart.internal.chartpart.Chart;

/** Composes the report: one self-contained HTML page, styled inline, every chart an inline SVG. */
final class ReportPage {
    /** The page's style sheet, inlined so the page stays one self-contained file. */
    private static final String CSS = resource("report.css");

    private final ReportInputs in;
    private final Instant now;
    private final StringBuilder out = new StringBuilder(1 << 20);
    private int charts;

    private ReportPage(ReportInputs in, Instant now) {
        this.in = in;
        this.now = now;
    }

    /** The page and the number of charts on it. */
    record Rendered(String html, int charts) {}

    static Rendered render(ReportInputs in, Instant now) {
        ReportPage page = new ReportPage(in, now);
        page.write();
        return new Rendered(page.out.toString(), page.charts);
    }

    private void write() {
        JsonNode prepare = in.runSpec().path("prepare");
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Chorus report · ").append(escape(in.run().root().getFileName() + "")).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        out.append("<header class=\"masthead\">\n<p class=\"kicker\">Chorus report</p>\n<h1>")
                .append(escape(String.valueOf(in.run().root().getFileName()))).append("</h1>\n<p class=\"meta\">")
                .append(escape(in.run().root().toString())).append(" · corpus <b>")
                .append(escape(prepare.path("corpus").asText("?"))).append("</b>");
        if (in.clusters() != null) {
            out.append(" · <b>").append(in.clusters().experts().size()).append("</b> experts");
        }
        out.append(" · generated ").append(escape(now.truncatedTo(ChronoUnit.SECONDS).toString()))
                .append(" by chorus ").append(escape(Chorus.VERSION)).append("</p>\n");
        nav();
        out.append("</header>\n");
        headline();
        domains();
        routing();
        training();
        clusters();
        configuration();
        out.append("<footer>Written by <code>chorus report</code>. Perplexity is exp(mean negative log-likelihood "
                + "per test token), natural log; lower is better.</footer>\n</main>\n</body>\n</html>\n");
    }

    private void nav() {
        out.append("<nav>");
        String[][] links = {{"headline", "Headline"}, {"domains", "Per domain"}, {"routing", "Routing"},
            {"training", "Training"}, {"clusters", "Clusters"}, {"configuration", "Configuration"}};
        for (String[] link : links) {
            out.append("<a href=\"#").append(link[0]).append("\">").append(link[1]).append("</a>");
        }
        out.append("</nav>\n");
    }

    // ---------------------------------------------------------------- 1. headline

    private void headline() {
        section("headline", "Headline", "Test perplexity of the routed ensemble against the compute-matched dense"
                + " model and the random-split ablation, with 95% intervals of the change (paired bootstrap over the"
                + " test documents): an ensemble is called better than dense only if its whole interval is below 0.");
        EvalResults results = in.results();
        if (results == null) {
            out.append("<div class=\"callout\"><b>No evaluation yet.</b> Run <code>chorus eval --run ")
                    .append(escape(in.run().toString())).append("</code> for the comparison of the ensemble with the"
                            + " dense model; this page shows what exists so far.</div>\n</section>\n");
            return;
        }
        double dense = results.perplexityOf(DENSE);
        out.append("<div class=\"cards\">\n");
        card("Dense baseline", DENSE, dense, Double.NaN, Charts.DENSE);
        if (results.scored(ADAPTIVE)) {
            card(String.format(Locale.ROOT, "Ensemble · adaptive (%.2f experts per token)",
                    results.expertsPerTokenOf(ADAPTIVE)), ADAPTIVE, results.perplexityOf(ADAPTIVE), dense,
                    Charts.ENSEMBLE);
        }
        card("Ensemble · centroid k = 2", ENSEMBLE, results.perplexityOf(ENSEMBLE), dense, Charts.ENSEMBLE);
        if (results.scored(HYBRID)) {
            card("Ensemble · hybrid k = 2", HYBRID, results.perplexityOf(HYBRID), dense, Charts.ENSEMBLE);
        }
        card("Random-split ensemble", RANDOM, results.perplexityOf(RANDOM), dense, Charts.RANDOM);
        String bestMerged = bestMerged(results);
        if (bestMerged != null) {
            card("Best merged model · " + bestMerged.substring(EvalStep.MERGED_PREFIX.length()), bestMerged,
                    results.perplexityOf(bestMerged), dense, Charts.MERGED);
        }
        out.append("</div>\n");
        if ("valid".equals(results.split())) {
            out.append("<div class=\"callout\">These perplexities are on the <b>validation</b> split"
                    + " (<code>chorus eval --split valid</code>), not the test split.</div>\n");
        }
        verdict(results, dense);
        forest(results);
        out.append("<p class=\"meta\">").append(Html.count(results.testDocuments())).append(" test documents · ")
                .append(Html.count(results.testTokens())).append(" test tokens")
                .append(" · window ").append(results.window());
        if (results.routerContext() != null) {
            out.append(" · routers read the <b>").append(escape(results.routerContext())).append("</b>");
        }
        out.append(" · re-route every ").append(results.reroute()).append(" tokens")
                .append(" · τ = ").append(escape(Double.toString(results.tau())))
                .append(" · evaluated in ").append(escape(Double.toString(results.seconds()))).append(" s");
        out.append("</p>\n");
        modelTable(results, dense);
        out.append("</section>\n");
    }

    /** The ensemble the page sets against dense: the adaptive router where eval scored it, else centroid k = 2. */
    private String ensembleKey() {
        EvalResults results = in.results();
        return results != null && results.scored(ADAPTIVE) ? ADAPTIVE : ENSEMBLE;
    }

    private String ensembleName() {
        return ensembleKey().equals(ADAPTIVE) ? "ensemble (adaptive)" : "ensemble (centroid k = 2)";
    }

    private void card(String title, String key, double value, double dense, Color color) {
        out.append("<div class=\"card\" style=\"border-top-color:").append(hex(color)).append("\">")
                .append("<div class=\"card-title\">").append(escape(title)).append("</div>")
                .append("<div class=\"card-value\">").append(Double.isFinite(value) ? Html.number(value) : "–")
                .append("</div><div class=\"card-sub\">");
        if (!Double.isFinite(value)) {
            out.append("no <code>").append(escape(key)).append("</code> in results.json");
        } else if (Double.isFinite(dense)) {
            double ratio = value / dense;
            Optional<PairedBootstrap.Interval> ci = in.results().interval(key);
            out.append("<span class=\"").append(ratio < 1 ? "better" : "worse").append("\">")
                    .append(Html.percentChange(ratio)).append("</span>")
                    .append(ci.map(c -> " " + Html.percentInterval(c.low(), c.high())).orElse("")).append(" vs dense")
                    .append("</div><div class=\"card-claim\">").append(claim(ci));
        } else {
            out.append("test perplexity");
        }
        out.append("</div></div>\n");
    }

    /**
     * What an interval lets the page claim against dense: "beats dense" only when it lies wholly below 0; without
     * an interval (a results.json from before them) no claim at all.
     */
    private static String claim(Optional<PairedBootstrap.Interval> ci) {
        if (ci.isEmpty()) {
            return "<span class=\"neutral\">no interval: re-run <code>chorus eval</code></span>";
        }
        PairedBootstrap.Verdict v = ci.get().verdict();
        String cls = v == PairedBootstrap.Verdict.BEATS ? "better" : v == PairedBootstrap.Verdict.WORSE ? "worse" : "neutral";
        return "<span class=\"" + cls + "\">" + escape(v.phrase()) + "</span>";
    }

    /**
     * One sentence on the two claims the demo exists for, each as strong as its interval allows. The headline is
     * always the window-routed row: a router with document memory reads what no model it is compared with may.
     */
    private void verdict(EvalResults results, double dense) {
        String key = ensembleKey();
        double ensemble = results.perplexityOf(key);
        double random = results.perplexityOf(RANDOM);
        if (!Double.isFinite(dense) || !Double.isFinite(ensemble)) {
            return;
        }
        Optional<PairedBootstrap.Interval> ci = results.interval(key);
        out.append("<p class=\"verdict\">The ").append(key.equals(ADAPTIVE)
                        ? String.format(Locale.ROOT, "adaptive router (%.2f experts per token)",
                                results.expertsPerTokenOf(ADAPTIVE))
                        : "centroid-routed ensemble (k = 2)").append(" is <b>")
                .append(Html.percentChange(ensemble / dense))
                .append(ci.map(c -> " " + Html.percentInterval(c.low(), c.high())).orElse(""))
                .append("</b> against dense: ").append(claim(ci));
        if (ci.isPresent()) {
            // the project's goal, claimed only when the whole interval clears it
            out.append(" (goal: at least 15% below dense — ")
                    .append(ci.get().high() <= -15 ? "<span class=\"better\">met</span>"
                            : "<span class=\"worse\">not shown</span>").append(")");
        }
        if (Double.isFinite(random)) {
            Optional<PairedBootstrap.Interval> r = results.interval(RANDOM);
            out.append("; the random split is <b>").append(Html.percentChange(random / dense))
                    .append(r.map(c -> " " + Html.percentInterval(c.low(), c.high())).orElse(""))
                    .append("</b> against dense (expected: not better — ")
                    .append(r.isEmpty() ? "<span class=\"neutral\">no interval</span>"
                            : r.get().verdict() != PairedBootstrap.Verdict.BEATS
                            ? "<span class=\"better\">as expected</span>" : "<span class=\"worse\">it is better</span>")
                    .append(")");
        }
        out.append(".</p>\n");
    }

    /**
     * The change against dense of every ensemble (and the best merged model) with its 95% interval, as a forest
     * plot; the single experts and the seed are in the table (far worse than dense, they would flatten the rest).
     */
    private void forest(EvalResults results) {
        Map<String, double[]> ci = orEmpty(results.vsDenseCi95());
        Map<String, Double> change = orEmpty(results.vsDense());
        List<String> keys = new ArrayList<>();
        for (String known : ReportRows.NAMES.keySet()) {
            if (!known.equals(DENSE) && !known.equals("seed")) {
                keys.add(known);
            }
        }
        for (String k : ci.keySet()) {
            if (!keys.contains(k) && !k.equals("seed") && !k.startsWith(EvalStep.MERGED_PREFIX)
                    && ReportRows.expertIndex(k) == Integer.MAX_VALUE) {
                keys.add(k);
            }
        }
        String merged = bestMerged(results);
        if (merged != null) {
            keys.add(merged);
        }
        List<Charts.Estimate> rows = new ArrayList<>();
        for (String k : keys) {
            Optional<PairedBootstrap.Interval> interval = results.interval(k);
            if (interval.isEmpty() || change.get(k) == null) {
                continue;
            }
            Color color = k.equals(RANDOM) ? Charts.RANDOM : k.equals(merged) ? Charts.MERGED
                    : k.endsWith(EvalStep.DOCUMENT_MEMORY_SUFFIX) ? Charts.MEMORY
                    : k.equals("oracle") || k.equals("uniform") ? Charts.DENSE : Charts.ENSEMBLE;
            rows.add(new Charts.Estimate(k, color, change.get(k), interval.get().low(),
                    interval.get().high()));
        }
        if (rows.isEmpty()) {
            return;
        }
        boolean memory = keys.stream().anyMatch(k -> k.endsWith(EvalStep.DOCUMENT_MEMORY_SUFFIX));
        figure(Charts.forest("change of perplexity vs dense (%)", rows, 900, 70 + 30 * rows.size()),
                "Change of perplexity against dense with 95% intervals, one row per ensemble",
                "Change of " + escape(results.split() == null ? "test" : results.split()) + " perplexity against dense: dot, the"
                        + " estimate; bar, its 95% interval (paired bootstrap over documents). Left of the dashed line"
                        + " is better than dense; an ensemble is called better only if its whole bar is left of it."
                        + (memory ? " Light rows (<code>" + EvalStep.DOCUMENT_MEMORY_SUFFIX + "</code>): router with"
                        + " document memory — information the dense model does not get." : ""), "wide");
    }

    private void modelTable(EvalResults results, double dense) {
        Map<String, Double> ppl = orEmpty(results.perplexity());
        Map<String, Number> cost = orEmpty(results.expertsPerToken());
        Map<String, Double> accuracy = orEmpty(results.routingAccuracy());
        List<String> keys = new ArrayList<>();
        for (String known : ReportRows.NAMES.keySet()) {
            if (ppl.containsKey(known)) {
                keys.add(known);
            }
        }
        List<String> rest = new ArrayList<>();
        for (String k : ppl.keySet()) {
            if (!ReportRows.NAMES.containsKey(k)) {
                rest.add(k);
            }
        }
        rest.sort(Comparator.comparingInt(ReportRows::expertIndex)
                .thenComparing(k -> k.startsWith(EvalStep.MERGED_PREFIX)) // merged models last
                .thenComparing(Comparator.naturalOrder()));
        keys.addAll(rest);
        double best = Double.POSITIVE_INFINITY;
        for (String k : keys) {
            best = Math.min(best, ppl.get(k) == null ? Double.POSITIVE_INFINITY : ppl.get(k));
        }
        out.append("<h3>Every model and router</h3>\n<table class=\"data\">\n<thead><tr><th>model</th><th>key</th>"
                + "<th class=\"num\">perplexity</th><th class=\"num\">vs dense</th><th class=\"num\">95% interval</th>"
                + "<th class=\"num\">experts per token</th><th class=\"num\">routing accuracy</th></tr></thead>\n<tbody>\n");
        for (String k : keys) {
            double v = results.perplexityOf(k);
            String rowClass = k.equals(DENSE) || k.equals(ensembleKey()) || k.equals(RANDOM) ? " class=\"key-row\"" : "";
            out.append("<tr").append(rowClass).append("><td>").append(escape(ReportRows.name(k))).append("</td><td><code>")
                    .append(escape(k)).append("</code></td><td class=\"num\">")
                    .append(v == best ? "<b>" + Html.number(v) + "</b>" : Html.number(v)).append("</td><td class=\"num\">");
            if (Double.isFinite(v) && Double.isFinite(dense) && !k.equals(DENSE)) {
                out.append("<span class=\"").append(v < dense ? "better" : "worse").append("\">")
                        .append(Html.percentChange(v / dense)).append("</span>");
            }
            out.append("</td><td class=\"num\">");
            results.interval(k).ifPresent(c -> out.append(Html.percentInterval(c.low(), c.high())));
            String experts = cost.get(k) != null ? expertsPerToken(cost.get(k).doubleValue())
                    : ReportRows.expertIndex(k) < Integer.MAX_VALUE ? "1" : "";
            out.append("</td><td class=\"num\">").append(escape(experts))
                    .append("</td><td class=\"num\">")
                    .append(accuracy.get(k) != null ? Html.percent(accuracy.get(k)) : "")
                    .append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n<p class=\"note\">95% interval: of the change against dense, paired bootstrap"
                + " over the test documents. Routing accuracy: share of routing decisions whose top expert"
                + " is the document's own (oracle) cluster. Best perplexity in bold.</p>\n");
    }

    /** Whole numbers as they are; an average (posterior routing) with two decimals. */
    private static String expertsPerToken(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.2f", value);
    }

    // ---------------------------------------------------------------- 2. per domain

    private void domains() {
        section("domains", "Perplexity per domain", "Test perplexity on the documents of each expert domain (the"
                + " cluster a document was assigned to), and per label where documents carry one.");
        EvalResults results = in.results();
        if (results == null || results.perDomain() == null) {
            missingEval("per_domain");
            out.append("</section>\n");
            return;
        }
        Map<String, Map<String, Double>> perDomain = results.perDomain();
        List<String> domains = sortedKeys(perDomain);
        if (domains.isEmpty()) {
            missingEval("per_domain");
            out.append("</section>\n");
            return;
        }
        Map<String, Long> tokens = orEmpty(results.domainTokens());
        List<String> categories = new ArrayList<>();
        for (String d : domains) {
            categories.add(isInteger(d) ? "expert " + d : d);
        }
        comparisonChart(perDomain, domains, categories, "expert domain");
        out.append("<table class=\"data compact\">\n<thead><tr><th>domain</th><th class=\"num\">test tokens</th>"
                + "<th class=\"num\">dense</th><th class=\"num\">" + escape(ensembleName()) + "</th><th class=\"num\">vs dense</th>"
                + "<th class=\"num\">random split</th><th class=\"num\">vs dense</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < domains.size(); i++) {
            String d = domains.get(i);
            double dense = valueOf(perDomain.get(DENSE), d);
            double ens = valueOf(perDomain.get(ensembleKey()), d);
            double rnd = valueOf(perDomain.get(RANDOM), d);
            out.append("<tr><td>").append(escape(categories.get(i))).append("</td><td class=\"num\">")
                    .append(tokens.get(d) != null ? Html.count(tokens.get(d)) : "")
                    .append("</td><td class=\"num\">").append(Html.number(dense)).append("</td><td class=\"num\">")
                    .append(Html.number(ens)).append("</td><td class=\"num\">").append(change(ens, dense))
                    .append("</td><td class=\"num\">").append(Html.number(rnd)).append("</td><td class=\"num\">")
                    .append(change(rnd, dense)).append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        Map<String, Map<String, Double>> perLabel = results.perLabel();
        if (perLabel != null && !sortedKeys(perLabel).isEmpty()) {
            out.append("<h3>Per label</h3>\n");
            List<String> labels = sortedKeys(perLabel);
            comparisonChart(perLabel, labels, labels, "label");
        }
        out.append("</section>\n");
    }

    /** Grouped bars of dense, ensemble and random split over the given keys of a per_domain-shaped map. */
    private void comparisonChart(Map<String, Map<String, Double>> byModel, List<String> keys, List<String> categories,
                                 String what) {
        List<Charts.Bars> series = new ArrayList<>();
        String[][] models = {{DENSE, "dense"}, {ensembleKey(), ensembleName()}, {RANDOM, "random split"}};
        Color[] colors = {Charts.DENSE, Charts.ENSEMBLE, Charts.RANDOM};
        for (int m = 0; m < models.length; m++) {
            addSeries(series, byModel.get(models[m][0]), keys, models[m][1], colors[m]);
        }
        // Only the best merged model: a sweep leaves many, and the worst would flatten every other bar.
        String merged = bestMerged(in.results());
        if (merged != null) {
            addSeries(series, byModel.get(merged), keys, ReportRows.name(merged), Charts.MERGED);
        }
        if (series.isEmpty()) {
            out.append("<p class=\"note\">No dense, ensemble or random-split entries per ").append(escape(what))
                    .append(" in results.json.</p>\n");
            return;
        }
        // Wider for many groups, but capped: the page scales the SVG down, and its text with it.
        int width = Math.min(1100, Math.max(760, 24 * keys.size() * series.size() + 160));
        figure(Charts.groupedBars("test perplexity", categories, series, width, 340),
                "Test perplexity per " + what + ": dense vs ensemble (centroid k = 2) vs random split"
                        + (merged == null ? "" : " vs the best merged model"),
                "Test perplexity per " + what + "; lower is better.", "wide");
    }

    private static void addSeries(List<Charts.Bars> series, Map<String, Double> values, List<String> keys, String name,
                                  Color color) {
        if (values == null) {
            return;
        }
        double[] v = new double[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            v[i] = valueOf(values, keys.get(i));
        }
        series.add(new Charts.Bars(name, color, v));
    }

    /** The merged model with the lowest overall perplexity, or null when eval scored none. */
    private static String bestMerged(EvalResults results) {
        String best = null;
        for (String k : orEmpty(results.perplexity()).keySet()) {
            if (k.startsWith(EvalStep.MERGED_PREFIX)
                    && (best == null || results.perplexityOf(k) < results.perplexityOf(best))) {
                best = k;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- 3. routing

    private void routing() {
        section("routing", "Routing map", "Which expert the centroid router (k = 1) chose, per true cluster or"
                + " label: each row sums to 100%. A strong diagonal means routing on the context recovers the domain.");
        EvalResults.RoutingMap map = in.results() == null ? null : in.results().routingMap();
        if (map == null || map.counts() == null || map.counts().length == 0) {
            missingEval("routing_map");
            out.append("</section>\n");
            return;
        }
        long[][] counts = map.counts();
        List<String> names = map.rows() == null ? List.of() : map.rows();
        List<String> rows = new ArrayList<>();
        for (int r = 0; r < counts.length; r++) {
            rows.add(r < names.size() ? String.valueOf(names.get(r)) : String.valueOf(r));
        }
        int columns = 0;
        for (long[] row : counts) {
            columns = Math.max(columns, row == null ? 0 : row.length);
        }
        int[] expertIds = map.experts() == null ? new int[0] : map.experts();
        List<String> experts = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            experts.add("e" + (c < expertIds.length ? expertIds[c] : c));
        }
        if (columns == 0) {
            missingEval("routing_map");
            out.append("</section>\n");
            return;
        }
        double[][] shares = new double[rows.size()][columns];
        long total = 0;
        for (int r = 0; r < rows.size(); r++) {
            double sum = 0;
            for (int c = 0; c < columns; c++) {
                sum += count(counts[r], c);
            }
            total += (long) sum;
            for (int c = 0; c < columns; c++) {
                shares[r][c] = sum > 0 ? count(counts[r], c) / sum : 0;
            }
        }
        String rowsAre = map.rowsAre() == null ? "cluster" : map.rowsAre();
        List<String> rowLabels = new ArrayList<>();
        for (String r : rows) {
            rowLabels.add(rowsAre.equals("cluster") && isInteger(r) ? "cluster " + r : r);
        }
        int width = Math.min(1000, 200 + 96 * columns);
        int height = Math.min(1400, 90 + 44 * rows.size());
        figure(Charts.heatmap(rowLabels, experts, shares, "chosen expert", "true " + rowsAre, width, height),
                "Routing map: true " + rowsAre + " by chosen expert, row-normalised",
                Html.count(total) + " routing decisions; rows: true " + escape(rowsAre) + ", columns: the expert"
                        + " the centroid router chose; cells: share of the row.", "narrow");
        out.append("</section>\n");
    }

    // ---------------------------------------------------------------- 4. training

    private void training() {
        section("training", "Training curves", "Training loss (smoothed, raw in light blue) and validation loss"
                + " against the tokens each job has seen. All panels share one loss axis.");
        List<ReportInputs.Job> withCurves = new ArrayList<>();
        for (ReportInputs.Job job : in.jobs()) {
            if (job.curve() != null && job.curve().size() > 0) {
                withCurves.add(job);
            }
        }
        if (withCurves.isEmpty()) {
            out.append("<div class=\"callout\">No training logs yet. Run <code>chorus train --run ")
                    .append(escape(in.run().toString())).append("</code>.</div>\n</section>\n");
            return;
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        // The range holds every raw point too: SVG clipping is not reliable across viewers, so nothing may fall outside.
        for (ReportInputs.Job job : withCurves) {
            for (double v : job.curve().loss()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (double v : job.curve().validLoss()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double pad = Math.max(0.05, 0.02 * (hi - lo));
        double yMin = Math.floor((lo - pad) * 10) / 10;
        double yMax = Math.ceil((hi + pad) * 10) / 10;
        String group = null;
        for (ReportInputs.Job job : withCurves) {
            if (!job.group().equals(group)) {
                if (group != null) {
                    out.append("</div>\n");
                }
                group = job.group();
                out.append("<h3>").append(escape(group)).append("</h3>\n<div class=\"grid\">\n");
            }
            TrainCurve curve = job.curve();
            StringBuilder caption = new StringBuilder("<b>").append(escape(job.name())).append("</b> · ")
                    .append(Html.tokens(curve.tokens()[curve.size() - 1])).append(" tokens · train ")
                    .append(Html.number(curve.smoothedLoss()[curve.size() - 1]));
            if (curve.validLoss().length > 0) {
                caption.append(" · valid ").append(Html.number(curve.validLoss()[curve.validLoss().length - 1]));
            }
            if (job.provenance() == null) {
                caption.append(" · <span class=\"worse\">unfinished</span>");
            }
            if (curve.skippedLines() > 0) {
                caption.append(" · ").append(curve.skippedLines()).append(" unreadable line(s) skipped");
            }
            figure(Charts.trainingCurve(curve, yMin, yMax, 330, 220), "Training curve of " + job.name(),
                    caption.toString(), "");
        }
        out.append("</div>\n</section>\n");
    }

    // ---------------------------------------------------------------- 5. clusters

    private void clusters() {
        section("clusters", "Expert domains", "The clusters the experts were trained on: their share of the"
                + " training tokens and their most distinctive terms.");
        ClusterSummary summary = in.clusters();
        if (summary == null) {
            out.append("<div class=\"callout\">Not clustered yet. Run <code>chorus cluster --run ")
                    .append(escape(in.run().toString())).append("</code>.</div>\n</section>\n");
            return;
        }
        out.append("<p class=\"meta\">").append(summary.experts().size()).append(" experts grouped from ")
                .append(summary.fineClusters()).append(" fine clusters over ").append(Html.count(summary.trainDocuments()))
                .append(" train documents (").append(Html.count(summary.trainTokens())).append(" tokens), ")
                .append(Html.count(summary.heldOutDocuments())).append(" held out; fine k-means ")
                .append(summary.fineIterations()).append(" iterations").append(summary.fineConverged() ? " (converged)" : "");
        if (summary.nmi() != null) {
            out.append(String.format(Locale.ROOT, "; against labels: NMI %.3f, purity %.3f", summary.nmi(),
                    summary.purity()));
        }
        out.append(".</p>\n");
        List<String> names = new ArrayList<>();
        double[] shares = new double[summary.experts().size()];
        for (int i = 0; i < shares.length; i++) {
            ClusterSummary.Expert e = summary.experts().get(i);
            names.add("expert " + e.expert());
            shares[i] = 100 * e.tokenShare();
        }
        Charts.Bars bars = new Charts.Bars("share of train tokens (%)", Charts.ENSEMBLE, shares);
        figure(Charts.groupedBars("share of train tokens (%)", names, List.of(bars),
                        Math.max(560, 90 * names.size() + 160), 280),
                "Share of the training tokens per expert domain",
                "Share of the training tokens per expert; the fair share is "
                        + Html.percent(1.0 / Math.max(1, shares.length)) + ".", "narrow");
        boolean labelled = summary.experts().stream().anyMatch(e -> e.labels() != null && !e.labels().isEmpty());
        out.append("<table class=\"data\">\n<thead><tr><th>expert</th><th class=\"num\">documents</th>"
                + "<th class=\"num\">held out</th><th class=\"num\">tokens</th><th class=\"num\">share</th>"
                + "<th class=\"num\">fine</th><th>top terms</th>" + (labelled ? "<th>labels</th>" : "")
                + "</tr></thead>\n<tbody>\n");
        for (ClusterSummary.Expert e : summary.experts()) {
            out.append("<tr><td>").append(e.expert()).append("</td><td class=\"num\">").append(Html.count(e.documents()))
                    .append("</td><td class=\"num\">").append(Html.count(e.heldOutDocuments()))
                    .append("</td><td class=\"num\">").append(Html.count(e.tokens())).append("</td><td class=\"num\">")
                    .append(Html.percent(e.tokenShare())).append("</td><td class=\"num\">").append(e.fineClusters())
                    .append("</td><td class=\"terms\">");
            List<String> terms = e.topTerms() == null ? List.of() : e.topTerms();
            for (String term : terms.subList(0, Math.min(12, terms.size()))) {
                out.append("<span class=\"chip\">").append(escape(term)).append("</span>");
            }
            out.append("</td>");
            if (labelled) {
                out.append("<td class=\"labels\">");
            }
            if (labelled && e.labels() != null) {
                int shown = 0;
                long all = e.labels().values().stream().mapToLong(Long::longValue).sum();
                for (Map.Entry<String, Long> label : e.labels().entrySet()) {
                    if (shown++ == 4) {
                        out.append("…");
                        break;
                    }
                    out.append("<span class=\"label\">").append(escape(label.getKey())).append(" <small>")
                            .append(Html.percent(all > 0 ? label.getValue() / (double) all : 0))
                            .append("</small></span> ");
                }
            }
            out.append(labelled ? "</td></tr>\n" : "</tr>\n");
        }
        out.append("</tbody>\n</table>\n</section>\n");
    }

    // ---------------------------------------------------------------- 6. configuration and compute

    private void configuration() {
        section("configuration", "Configuration and compute", "What was asked (run.json) and what each training"
                + " job did (its provenance.json).");
        compute();
        out.append("<div class=\"config\">\n");
        for (Map.Entry<String, JsonNode> section : in.runSpec().properties()) {
            out.append("<div><h3>").append(escape(section.getKey())).append("</h3>\n<table class=\"kv\">\n");
            flatten("", section.getValue());
            out.append("</table></div>\n");
        }
        out.append("</div>\n</section>\n");
    }

    private void compute() {
        List<ReportInputs.Job> jobs = in.jobs();
        if (jobs.isEmpty()) {
            out.append("<p class=\"note\">No training jobs yet.</p>\n");
            return;
        }
        out.append("<h3>Training jobs</h3>\n<table class=\"data\">\n<thead><tr><th>job</th><th class=\"num\">steps</th>"
                + "<th class=\"num\">tokens seen</th><th class=\"num\">compute</th><th class=\"num\">final train loss</th>"
                + "<th class=\"num\">final valid loss</th><th class=\"num\">wall time</th><th>commit</th></tr></thead>\n"
                + "<tbody>\n");
        Map<String, Double> flopsByGroup = new LinkedHashMap<>();
        for (ReportInputs.Job job : jobs) {
            TrainProvenance p = job.provenance();
            out.append("<tr><td>").append(escape(job.name())).append("</td>");
            if (p == null) {
                out.append("<td colspan=\"7\" class=\"note\">unfinished: no provenance.json yet</td></tr>\n");
                continue;
            }
            double flops = p.flops();
            if (Double.isFinite(flops)) {
                flopsByGroup.merge(job.group(), flops, Double::sum);
            }
            String commit = p.gitCommit() == null ? "" : p.gitCommit();
            out.append("<td class=\"num\">").append(Html.count(p.steps()))
                    .append("</td><td class=\"num\">").append(Html.count(p.tokensSeen()))
                    .append("</td><td class=\"num\">").append(Double.isFinite(flops) ? Html.flops(flops) : "")
                    .append("</td><td class=\"num\">").append(Html.number(p.finalTrainLoss()))
                    .append("</td><td class=\"num\">").append(Html.number(p.finalValidLoss()))
                    .append("</td><td class=\"num\">").append(escape(wallTime(p))).append("</td><td><code title=\"")
                    .append(escape(commit)).append("\">").append(escape(commit.substring(0, Math.min(10, commit.length()))))
                    .append("</code></td></tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        if (!flopsByGroup.isEmpty()) {
            out.append("<p class=\"meta\">Compute per group: ");
            List<String> parts = new ArrayList<>();
            flopsByGroup.forEach((g, f) -> parts.add(escape(g) + " <b>" + Html.flops(f) + "</b>"));
            out.append(String.join(" · ", parts));
            Double experts = flopsByGroup.get("experts");
            Double dense = flopsByGroup.get("dense");
            if (experts != null && dense != null && experts > 0) {
                out.append(String.format(Locale.ROOT, " · dense / all experts = <b>%.3f</b> (1 = compute-matched)",
                        dense / experts));
            }
            out.append(".</p>\n");
        }
    }

    private static String wallTime(TrainProvenance provenance) {
        if (provenance.started() == null || provenance.finished() == null) {
            return "";
        }
        try {
            Instant started = Instant.parse(provenance.started());
            Instant finished = Instant.parse(provenance.finished());
            long s = Duration.between(started, finished).getSeconds();
            return s >= 3600 ? String.format(Locale.ROOT, "%dh %02dm", s / 3600, s / 60 % 60)
                    : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        } catch (DateTimeParseException e) {
            return "";
        }
    }

    /** run.json values as key/value rows; nested objects become dotted keys. */
    private void flatten(String prefix, JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue());
            }
            return;
        }
        out.append("<tr><th>").append(escape(prefix.isEmpty() ? "value" : prefix)).append("</th><td>")
                .append(node.isNull() ? "<span class=\"note\">—</span>" : escape(node.isTextual() ? node.asText()
                        : node.toString())).append("</td></tr>\n");
    }

    // ---------------------------------------------------------------- shared pieces

    private void section(String id, String title, String lede) {
        out.append("<section id=\"").append(id).append("\">\n<h2>").append(escape(title)).append("</h2>\n<p class=\"lede\">")
                .append(escape(lede)).append("</p>\n");
    }

    private void missingEval(String what) {
        out.append("<div class=\"callout\">No <code>").append(escape(what)).append("</code> yet: run <code>chorus eval"
                + " --run ").append(escape(in.run().toString())).append("</code> for the comparison.</div>\n");
    }

    /** A chart in a figure; {@code caption} is HTML the caller has escaped. */
    private void figure(Chart<?, ?> chart, String description, String caption, String size) {
        charts++;
        out.append("<figure class=\"chart ").append(size).append("\">")
                .append(Charts.inlineSvg(chart, "c" + charts, description))
                .append("<figcaption>").append(caption).append("</figcaption></figure>\n");
    }

    private static String change(double value, double dense) {
        if (!Double.isFinite(value) || !Double.isFinite(dense)) {
            return "";
        }
        return "<span class=\"" + (value < dense ? "better" : "worse") + "\">" + Html.percentChange(value / dense)
                + "</span>";
    }

    private static double count(long[] row, int c) {
        return row != null && c < row.length ? row[c] : 0;
    }

    /** A model's value for a key of a per_domain-shaped map; NaN when either is missing. */
    private static double valueOf(Map<String, Double> values, String key) {
        Double v = values == null ? null : values.get(key);
        return v == null ? Double.NaN : v;
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    /** The keys of every model's map, numeric keys in numeric order, others alphabetically after them. */
    private static List<String> sortedKeys(Map<String, Map<String, Double>> byModel) {
        TreeSet<String> keys = new TreeSet<>(
                Comparator.comparing((String k) -> !isInteger(k))
                        .thenComparingLong(k -> isInteger(k) ? Long.parseLong(k) : 0)
                        .thenComparing(Comparator.naturalOrder()));
        for (Map<String, Double> model : byModel.values()) {
            if (model != null) {
                keys.addAll(model.keySet());
            }
        }
        return new ArrayList<>(keys);
    }

    private static boolean isInteger(String s) {
        return !s.isEmpty() && s.length() < 18 && s.chars().allMatch(Character::isDigit);
    }

    private static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    private static String resource(String name) {
        try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath beside " + ReportPage.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
