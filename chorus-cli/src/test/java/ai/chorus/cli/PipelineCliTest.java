package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.train.TrainJob;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chorus train --dense}, {@code --random-split}, {@code --all} and {@code chorus demo} end to end on a
 * tiny run: the folders they write, the provenance that matters, compute matching counted from the written
 * configs, {@code --all} training exactly what is missing, and the demo ending with results and a report.
 */
class PipelineCliTest {
    static final int STEPS = 30;
    static final int TOKENS_PER_STEP = 4 * 32; // TinyRun: batch 4 × 32 tokens
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static RunDir base;

    @BeforeAll
    static void trainSeed() throws IOException {
        base = TinyRun.withSeed(tmp.resolve("base"), STEPS, 10);
    }

    private static RunDir copy(String name) throws IOException {
        return TinyRun.copy(base, tmp.resolve(name));
    }

    private static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    private static void assertModelFolder(Path dir) {
        for (String f : List.of("config.json", "model.safetensors", RunDir.PROVENANCE, RunDir.DOCUMENTS)) {
            assertThat(dir.resolve(f)).as(dir + "/" + f).isRegularFile();
        }
        assertThat(RunDir.checkpoint(dir)).doesNotExist();
    }

    /**
     * Training FLOPs per token from a written config.json, counted by hand: N = per layer q and o (d × d),
     * k and v (d × kv width), gate, up and down (d × f), plus the lm_head (V × d); 6N + 12·L·d·T.
     */
    private static double flopsPerToken(Path modelDir, int seqLen) throws IOException {
        JsonNode c = read(modelDir.resolve("config.json"));
        double d = c.get("hidden_size").asDouble();
        double f = c.get("intermediate_size").asDouble();
        double layers = c.get("num_hidden_layers").asDouble();
        double kv = d / c.get("num_attention_heads").asInt() * c.get("num_key_value_heads").asInt();
        double n = layers * (2 * d * d + 2 * d * kv + 3 * d * f) + c.get("vocab_size").asDouble() * d;
        return 6 * n + 12 * layers * d * seqLen;
    }

    private static Set<String> documents(Path modelDir) throws IOException {
        return new HashSet<>(Files.readAllLines(RunDir.documents(modelDir)));
    }

    @Test
    void denseAndRandomSplitBranchFromTheSeedWithTheirProvenance() throws IOException {
        RunDir run = copy("dense-random");
        CliRunner.Result d = CliRunner.run("train", "--run", run.toString(), "--dense", "--threads", "2");
        assertThat(d.exitCode()).as(d.err()).isZero();
        CliRunner.Result r = CliRunner.run("train", "--run", run.toString(), "--random-split", "--threads", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String seedSha = TrainJob.sha256(run.seedDir().resolve("model.safetensors"));
        int trainDocs = ShardReader.open(run.dataDir()).documentsOf(Split.TRAIN).length;

        assertModelFolder(run.denseDir());
        JsonNode dense = read(RunDir.provenance(run.denseDir()));
        assertThat(dense.get("kind").asText()).isEqualTo("dense");
        assertThat(dense.get("branched_from").get("path").asText()).isEqualTo(run.seedDir().toString());
        assertThat(dense.get("branched_from").get("sha256").asText()).isEqualTo(seedSha);
        assertThat(dense.get("documents").asInt()).isEqualTo(trainDocs); // all train data
        assertThat(dense.get("documents_sha256").asText())
                .isEqualTo(TrainJob.sha256(RunDir.documents(run.denseDir())));
        assertThat(dense.get("tokens_seen").asLong()).isEqualTo(2L * STEPS * TOKENS_PER_STEP); // two experts' worth
        assertThat(dense.get("steps").asLong()).isEqualTo(2L * STEPS);

        Set<String> seen = new HashSet<>();
        for (int e = 0; e < 2; e++) {
            Path dir = run.randomExpertDir(e);
            assertModelFolder(dir);
            JsonNode p = read(RunDir.provenance(dir));
            assertThat(p.get("kind").asText()).isEqualTo("random");
            assertThat(p.get("branched_from").get("sha256").asText()).isEqualTo(seedSha);
            assertThat(p.get("tokens_seen").asLong()).isEqualTo((long) STEPS * TOKENS_PER_STEP);
            Set<String> docs = documents(dir);
            assertThat(docs).hasSize(p.get("documents").asInt());
            for (String id : docs) {
                assertThat(seen.add(id)).as("document %s in both random experts", id).isTrue();
            }
        }
        assertThat(seen).hasSize(trainDocs); // a partition of the train documents
        assertThat(run.expertDir(0)).doesNotExist(); // only what was asked
    }

    @Test
    void allTrainsExactlyWhatIsMissingAndTheDenseComputeMatchesTheExperts() throws IOException {
        RunDir run = copy("all");
        RunSpec spec = RunSpec.read(run);
        ((ObjectNode) spec.root().get("train")).putObject("expert_intermediate_size").put("1", 96); // HDEE
        spec.write(run.runJson());
        CliRunner.Result one = CliRunner.run("train", "--run", run.toString(), "--expert", "0", "--threads", "2");
        assertThat(one.exitCode()).as(one.err()).isZero();
        Path seedModel = run.seedDir().resolve("model.safetensors");
        Path e0Model = run.expertDir(0).resolve("model.safetensors");
        byte[] seedBytes = Files.readAllBytes(seedModel);
        byte[] e0Bytes = Files.readAllBytes(e0Model);
        FileTime seedTime = Files.getLastModifiedTime(seedModel);
        FileTime e0Time = Files.getLastModifiedTime(e0Model);

        CliRunner.Result all = CliRunner.run("train", "--run", run.toString(), "--all", "--threads", "2", "--json");
        assertThat(all.exitCode()).as(all.err()).isZero();
        Map<String, Boolean> skipped = new HashMap<>();
        read(all.out()).get("jobs").forEach(j -> skipped.put(j.get("job").asText(), j.get("skipped").asBoolean()));
        assertThat(skipped).containsExactlyInAnyOrderEntriesOf(Map.of("seed", true, "expert 0", true,
                "expert 1", false, "dense", false, "random 0", false, "random 1", false));
        assertThat(Files.readAllBytes(seedModel)).isEqualTo(seedBytes);
        assertThat(Files.readAllBytes(e0Model)).isEqualTo(e0Bytes);
        assertThat(Files.getLastModifiedTime(seedModel)).isEqualTo(seedTime);
        assertThat(Files.getLastModifiedTime(e0Model)).isEqualTo(e0Time);

        List<Path> folders = List.of(run.expertDir(1), run.denseDir(), run.randomExpertDir(0), run.randomExpertDir(1));
        Map<Path, FileTime> trained = new HashMap<>();
        for (Path dir : folders) {
            assertModelFolder(dir);
            trained.put(dir, Files.getLastModifiedTime(dir.resolve("model.safetensors")));
        }
        CliRunner.Result again = CliRunner.run("train", "--run", run.toString(), "--all", "--threads", "2", "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        read(again.out()).get("jobs").forEach(j -> assertThat(j.get("skipped").asBoolean()).as(j.toString()).isTrue());
        for (Path dir : folders) {
            assertThat(Files.getLastModifiedTime(dir.resolve("model.safetensors"))).isEqualTo(trained.get(dir));
        }

        // compute matching on what was written: the wider expert 1 costs more per token
        int seqLen = spec.root().get("train").get("seq_len").asInt();
        assertThat(read(run.expertDir(1).resolve("config.json")).get("intermediate_size").asInt()).isEqualTo(96);
        assertThat(read(run.randomExpertDir(1).resolve("config.json")).get("intermediate_size").asInt()).isEqualTo(96);
        double experts = 0;
        for (int e = 0; e < 2; e++) {
            long tokens = read(run.expertDir(e).resolve(RunDir.PROVENANCE)).get("tokens_seen").asLong();
            experts += tokens * flopsPerToken(run.expertDir(e), seqLen);
            assertThat(read(run.randomExpertDir(e).resolve(RunDir.PROVENANCE)).get("tokens_seen").asLong())
                    .isEqualTo(tokens);
        }
        double perDenseToken = flopsPerToken(run.denseDir(), seqLen);
        double dense = read(RunDir.provenance(run.denseDir())).get("tokens_seen").asLong() * perDenseToken;
        assertThat(Math.abs(dense - experts)).isLessThanOrEqualTo(0.5 * TOKENS_PER_STEP * perDenseToken);
        assertThat(dense).isGreaterThan(2.0 * STEPS * TOKENS_PER_STEP * perDenseToken); // more than the steps' sum
    }

    private static JsonNode read(String json) throws IOException {
        return JSON.readTree(json);
    }

    @Test
    void demoTrainsWhatIsMissingEvaluatesAndReportsThenSkipsEverything() throws IOException {
        RunDir run = copy("demo");
        CliRunner.Result first = CliRunner.run("demo", "--run", run.toString(), "--threads", "2");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("== prepare: done already", "== cluster: done already", "== train expert 0",
                "== train expert 1", "== train dense", "== train random 0", "== train random 1", "== eval",
                "report: " + run.report());
        assertThat(first.out()).doesNotContain("== train seed"); // it was trained already
        for (Path dir : List.of(run.expertDir(0), run.expertDir(1), run.denseDir(), run.randomExpertDir(0),
                run.randomExpertDir(1))) {
            assertModelFolder(dir);
        }
        JsonNode results = read(run.evalResults());
        for (String key : List.of("dense", "centroid_k2", "hybrid", "random_split")) {
            double ppl = results.get("perplexity").path(key).asDouble(Double.NaN);
            assertThat(ppl).as(key).isFinite().isGreaterThan(1.0);
        }
        assertThat(first.out()).contains(DemoCommand.headline(JsonFiles.read(run.evalResults(), EvalResults.class)));
        assertThat(Files.readString(run.report())).contains("<svg");

        CliRunner.Result second = CliRunner.run("demo", "--run", run.toString(), "--threads", "2");
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).doesNotContain("== train").contains("== eval: done already", "report: ");
    }
}
