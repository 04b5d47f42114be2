package ai.chorus.core.report;

import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.run.RunDir;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small but realistic run directory for report tests: three experts with labelled documents,
 * every training job with its log and provenance, and eval/results.json as {@code chorus eval}
 * writes it. One label and one top term carry markup, to prove the page escapes them.
 */
final class ReportFixture {
    static final int EXPERTS = 3;
    static final String HOSTILE_LABEL = "<script>alert('x')</script>";
    static final String HOSTILE_TERM = "<b>bold</b> & \"quoted\"";
    static final List<String> LABELS = List.of("en", "de", "fr", HOSTILE_LABEL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportFixture() {}

    /** A run with everything; remove parts to test what the report does without them. */
    static RunDir write(Path root) throws IOException {
        RunDir run = RunDir.of(root);
        Files.createDirectories(run.dataDir());
        Files.writeString(run.tokenizerJson(), "{}");
        Files.writeString(run.dataMeta(), "{\"format\":\"chorus-shards-v1\"}");
        Files.writeString(run.runJson(), """
                {
                  "prepare": {"corpus": "europarl", "text_field": "text", "label_field": "lang",
                              "split": "0.9/0.05/0.05", "vocab_size": 4096},
                  "cluster": {"experts": 3, "fine": 48, "seed": 0, "min_share": 0.5, "max_share": 2.0},
                  "train": {"preset": "demo", "experts": 3, "hidden_size": 128, "layers": 4, "heads": 4,
                            "seq_len": 128, "batch": 16, "seed_tokens": 40960, "expert_tokens": 20480,
                            "lr": 0.003, "branch_lr": 0.0015}
                }
                """);
        writeClusters(run);
        SplittableRandom random = new SplittableRandom(42);
        writeJob(run.seedDir(), "seed", 40, 8.3, 6.2, random);
        for (int e = 0; e < EXPERTS; e++) {
            writeJob(run.expertDir(e), "expert " + e, 20, 6.2, 5.0 - 0.2 * e, random);
            writeJob(run.randomExpertDir(e), "random " + e, 20, 6.2, 5.6, random);
        }
        writeJob(run.denseDir(), "dense", 60, 6.2, 5.4, random);
        writeResults(run, true);
        return run;
    }

    private static void writeClusters(RunDir run) throws IOException {
        List<ClusterSummary.Expert> experts = new ArrayList<>();
        double[] shares = {0.42, 0.33, 0.25};
        List<List<String>> terms = List.of(List.of("the", "of", "and", "commission", HOSTILE_TERM),
                List.of("die", "der", "und", "kommission"), List.of("le", "la", "des", "commission européenne"));
        for (int e = 0; e < EXPERTS; e++) {
            Map<String, Long> labels = new LinkedHashMap<>();
            labels.put(LABELS.get(e), 900L - 100 * e);
            labels.put(HOSTILE_LABEL, 12L);
            experts.add(new ClusterSummary.Expert(e, 16, 1000 - 150 * e, 100, (long) (shares[e] * 300_000),
                    shares[e], terms.get(e), labels));
        }
        ClusterSummary summary = new ClusterSummary(experts, 0.81, 0.9, 2700, 48, 0, 0.5, 2.0, 2550, 300, 300_000,
                256, 1234.5, 17, true);
        Files.createDirectories(run.clustersDir());
        Files.writeString(run.clusterSummary(), summary.toJson());
    }

    /** A log like TrainJob writes: loss decaying towards {@code end} with noise, val_loss every 5 steps. */
    private static void writeJob(Path dir, String name, int steps, double start, double end, SplittableRandom random)
            throws IOException {
        Files.createDirectories(dir);
        StringBuilder log = new StringBuilder();
        double loss = start;
        for (int step = 1; step <= steps; step++) {
            double clean = end + (start - end) * Math.exp(-4.0 * step / steps);
            loss = clean + 0.15 * (random.nextDouble() - 0.5);
            log.append(String.format(Locale.ROOT, "{\"step\":%d,\"tokens\":%d,\"loss\":%.6f,\"lr\":3.0E-4,"
                    + "\"grad_norm\":0.43", step, step * 1024, loss));
            if (step % 5 == 0) {
                log.append(String.format(Locale.ROOT, ",\"val_loss\":%.6f", clean + 0.05));
            }
            log.append("}\n");
        }
        Files.writeString(RunDir.curves(dir), log);
        ObjectNode p = JSON.createObjectNode();
        p.put("job", name);
        p.put("steps", steps);
        p.put("tokens_seen", steps * 1024L);
        p.put("flops", steps * 1024L * 1.5e7);
        p.put("final_train_loss", loss);
        p.put("final_valid_loss", end + 0.05);
        p.put("started", "2026-11-26T00:52:26.287Z");
        p.put("finished", "2026-11-26T00:56:37.928Z");
        p.put("git_commit", "ef3a892589f18b1c8422e68eaf69d0b208443d40");
        Files.writeString(RunDir.provenance(dir), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(p));
    }

    /** eval/results.json following the chorus-eval-v2 contract; {@code withLabels} adds per_label. */
    static void writeResults(RunDir run, boolean withLabels) throws IOException {
        ObjectNode r = JSON.createObjectNode();
        r.put("format", "chorus-eval-v2");
        r.put("test_documents", 300);
        r.put("test_tokens", 60_000);
        r.put("window", 128);
        r.put("reroute", 32);
        r.put("tau", 0.1);
        Map<String, Double> overall = new LinkedHashMap<>();
        overall.put("seed", 310.2);
        overall.put("dense", 180.4);
        overall.put("centroid_k1", 150.1);
        overall.put("centroid_k2", 140.3);
        overall.put("centroid_kall", 141.0);
        overall.put("posterior", 139.9);
        overall.put("uniform", 170.2);
        overall.put("oracle", 138.0);
        overall.put("random_split", 185.0);
        for (int e = 0; e < EXPERTS; e++) {
            overall.put("expert_" + e, 420.0 + 40 * e);
        }
        ObjectNode ppl = r.putObject("perplexity");
        overall.forEach(ppl::put);
        // every row's change against dense, its interval 3 points below and 2.5 above (asymmetric, as a bootstrap's)
        ObjectNode change = r.putObject("vs_dense");
        ObjectNode intervals = r.putObject("vs_dense_ci95");
        overall.forEach((key, value) -> {
            if (!key.equals("dense")) {
                double point = 100 * (value / overall.get("dense") - 1);
                change.put(key, point);
                intervals.putArray(key).add(point - 3).add(point + 2.5);
            }
        });
        ObjectNode perDomain = r.putObject("per_domain");
        ObjectNode perLabel = withLabels ? r.putObject("per_label") : null;
        for (Map.Entry<String, Double> m : overall.entrySet()) {
            ObjectNode d = perDomain.putObject(m.getKey());
            for (int e = 0; e < EXPERTS; e++) {
                d.put(String.valueOf(e), m.getValue() * (0.9 + 0.1 * e));
            }
            if (perLabel != null) {
                ObjectNode l = perLabel.putObject(m.getKey());
                for (int i = 0; i < LABELS.size(); i++) {
                    l.put(LABELS.get(i), m.getValue() * (0.85 + 0.1 * i));
                }
            }
        }
        ObjectNode domainTokens = r.putObject("domain_tokens");
        for (int e = 0; e < EXPERTS; e++) {
            domainTokens.put(String.valueOf(e), 25_000 - 5_000 * e);
        }
        ObjectNode accuracy = r.putObject("routing_accuracy");
        accuracy.put("centroid_k1", 0.93);
        accuracy.put("centroid_k2", 0.93);
        accuracy.put("posterior", 0.88);
        ObjectNode cost = r.putObject("experts_per_token");
        for (String k : List.of("seed", "dense", "centroid_k1", "oracle")) {
            cost.put(k, 1);
        }
        cost.put("centroid_k2", 2);
        cost.put("posterior", 2);
        cost.put("random_split", 2);
        cost.put("centroid_kall", EXPERTS);
        cost.put("uniform", EXPERTS);
        ObjectNode map = r.putObject("routing_map");
        map.put("rows_are", "cluster");
        ArrayNode rows = map.putArray("rows");
        ArrayNode experts = map.putArray("experts");
        ArrayNode counts = map.putArray("counts");
        for (int e = 0; e < EXPERTS; e++) {
            rows.add(String.valueOf(e));
            experts.add(e);
            ArrayNode row = counts.addArray();
            for (int c = 0; c < EXPERTS; c++) {
                row.add(c == e ? 900 - 100 * e : 20 + 10 * c);
            }
        }
        r.put("seconds", 95.2);
        Files.createDirectories(run.evalDir());
        Files.writeString(run.evalResults(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    }
}
