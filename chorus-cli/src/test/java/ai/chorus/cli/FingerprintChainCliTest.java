package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunSpec;
import ai.chorus.engine.io.Checkpoints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's chain of fingerprints (issue 14, "wrong numbers, silently"): a reader refuses what was made from
 * inputs that changed since, with one line naming what changed and what to re-run. Each case starts from a
 * copy of one trained and evaluated tiny run.
 */
class FingerprintChainCliTest {
    @TempDir
    static Path tmp;

    private static Path trained;

    @BeforeAll
    static void trainedAndEvaluatedRun() throws IOException {
        trained = tmp.resolve("trained");
        TinyRun.create(trained, 2, 2);
        CliRunner.Result train = CliRunner.run("train", "--run", trained.toString(), "--all", "--threads", "1");
        assertThat(train.exitCode()).as(train.err()).isZero();
        CliRunner.Result eval = eval(trained);
        assertThat(eval.exitCode()).as(eval.err()).isZero();
    }

    private static CliRunner.Result eval(Path run) {
        return CliRunner.run("eval", "--run", run.toString(), "--threads", "1", "--max-tokens", "1500", "--tau", "0.1");
    }

    private static Path copy(String name) throws IOException {
        Path to = tmp.resolve(name);
        TinyRun.copyTree(trained, to);
        return to;
    }

    private static void assertRefused(CliRunner.Result r, String step, String... mentions) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("chorus " + step + ": ").contains(mentions);
    }

    @Test
    void aFreshRunRecordsItsInputsAndEveryReaderAcceptsIt() throws IOException {
        RunDir run = RunDir.of(trained);
        JsonNode expert = RunSpec.JSON.readTree(RunDir.provenance(run.expertDir(1)).toFile());
        RunFingerprints now = RunFingerprints.of(run);
        assertThat(expert.path("inputs").path("clusters").asText()).isEqualTo(now.clusters());
        assertThat(expert.path("inputs").path("seed").asText()).isEqualTo(now.model(run.seedDir()));
        assertThat(expert.path("inputs").path("tokenizer").asText()).isEqualTo(now.tokenizer());
        JsonNode seed = RunSpec.JSON.readTree(RunDir.provenance(run.seedDir()).toFile());
        assertThat(seed.path("inputs").has("clusters")).as("the seed trains on all data").isFalse();
        JsonNode results = RunSpec.JSON.readTree(run.evalResults().toFile());
        assertThat(results.path("inputs").path("models").path("expert_1").path("sha256").asText())
                .isEqualTo(now.model(run.expertDir(1)));
        CliRunner.Result report = CliRunner.run("report", "--run", trained.toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
    }

    @Test
    void reclusteringWithAnotherSeedMakesEvalMergeAndTrainRefuseTheOldExperts() throws IOException {
        Path dir = copy("reclustered");
        CliRunner.Result c = CliRunner.run("cluster", "--run", dir.toString(), "--experts", "2", "--fine", "8",
                "--seed", "5", "--force");
        assertThat(c.exitCode()).as(c.err()).isZero();
        // Before: eval routed through the new centroids to experts trained on the old clusters, exit 0.
        assertRefused(eval(dir), "eval", "clustering", "chorus train --run " + dir, "--force");
        assertRefused(CliRunner.run("merge", "--run", dir.toString(), "--method", "average"), "merge", "clustering");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ai.chorus.server.ExpertRegistry.open(RunDir.of(dir),
                        ai.chorus.server.ServeOptions.defaults(0), 320))
                .isInstanceOf(ai.chorus.engine.InvalidInputException.class).hasMessageContaining("clustering");
        assertRefused(CliRunner.run("report", "--run", dir.toString()), "report", "results.json", "chorus eval");
        CliRunner.Result train = CliRunner.run("train", "--run", dir.toString(), "--all", "--threads", "1");
        assertThat(train.exitCode()).as(train.err()).isEqualTo(2);
    }

    @Test
    void reclusteringWithTheSameSettingsChangesNothing() throws IOException {
        Path dir = copy("same-clusters");
        CliRunner.Result c = CliRunner.run("cluster", "--run", dir.toString(), "--experts", "2", "--fine", "8",
                "--force");
        assertThat(c.exitCode()).as(c.err()).isZero();
        CliRunner.Result e = eval(dir);
        assertThat(e.exitCode()).as(e.err()).isZero();
    }

    @Test
    void aTokenizerWithMoreTokensThanTheDataIsRefusedByClusterAndEval() throws IOException {
        Path dir = copy("bigger-tokenizer");
        Path tok = RunDir.of(dir).tokenizerJson();
        ObjectNode json = (ObjectNode) RunSpec.JSON.readTree(tok.toFile());
        ObjectNode vocab = (ObjectNode) json.path("model").path("vocab");
        vocab.put("zzzqqq", vocab.size()); // ids stay 0 … n-1
        Files.writeString(tok, RunSpec.JSON.writeValueAsString(json));
        assertRefused(CliRunner.run("cluster", "--run", dir.toString(), "--experts", "2", "--force"), "cluster",
                "tokenizer.json", "meta.json");
        assertRefused(eval(dir), "eval", "tokenizer.json", "meta.json");
    }

    @Test
    void aTokenizerOfTheSameSizeButOtherTokensIsRefusedByEvalAndGenerate() throws IOException {
        Path dir = copy("other-tokenizer");
        Path tok = RunDir.of(dir).tokenizerJson();
        ObjectNode json = (ObjectNode) RunSpec.JSON.readTree(tok.toFile());
        ObjectNode vocab = (ObjectNode) json.path("model").path("vocab");
        List<String> names = new ArrayList<>();
        vocab.fieldNames().forEachRemaining(n -> {
            if (!n.startsWith("<|")) { // two learned tokens, not the special one
                names.add(n);
            }
        });
        String a = names.get(names.size() - 1);
        String b = names.get(names.size() - 2);
        int ia = vocab.get(a).asInt();
        vocab.put(a, vocab.get(b).asInt());
        vocab.put(b, ia);
        Files.writeString(tok, RunSpec.JSON.writeValueAsString(json));
        assertRefused(eval(dir), "eval", "tokenizer.json");
        assertRefused(CliRunner.run("generate", "--model", dir.resolve("experts/e00").toString(), "--tokenizer",
                tok.toString(), "--prompt", "the cat", "--max-tokens", "2", "--threads", "1"), "generate",
                "another tokenizer");
    }

    @Test
    void anExpertChangedAfterEvalMakesReportRefuseTheStaleResults() throws IOException {
        Path dir = copy("retrained");
        RunDir run = RunDir.of(dir);
        // A retrain under other settings (what 'train --expert 0 --force' after editing run.json does, here
        // without the minutes): new weights under the same folder.
        Files.copy(run.randomExpertDir(0).resolve(Checkpoints.WEIGHTS_FILE),
                run.expertDir(0).resolve(Checkpoints.WEIGHTS_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(CliRunner.run("report", "--run", dir.toString()), "report", "expert_0", "chorus eval --run");
    }

    @Test
    void aMergedModelWhoseExpertChangedSinceIsRefusedByEval() throws IOException {
        Path dir = copy("merged");
        RunDir run = RunDir.of(dir);
        CliRunner.Result m = CliRunner.run("merge", "--run", dir.toString(), "--method", "average");
        assertThat(m.exitCode()).as(m.err()).isZero();
        Files.copy(run.randomExpertDir(1).resolve(Checkpoints.WEIGHTS_FILE),
                run.expertDir(1).resolve(Checkpoints.WEIGHTS_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(eval(dir), "eval", "merged/average", "was merged from", "chorus merge");
    }

    @Test
    void aRetrainedSeedMakesEvalRefuseTheExpertsBranchedFromTheOldOne() throws IOException {
        Path dir = copy("new-seed");
        RunDir run = RunDir.of(dir);
        Files.copy(run.denseDir().resolve(Checkpoints.WEIGHTS_FILE), run.seedDir().resolve(Checkpoints.WEIGHTS_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(eval(dir), "eval", "seed model", "--force");
    }

    @Test
    void aRunWrittenBeforeFingerprintsWereRecordedStillEvaluatesAndReports() throws IOException {
        Path dir = copy("old-run");
        RunDir run = RunDir.of(dir);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().equals(RunDir.PROVENANCE)).toList()) {
                ObjectNode prov = (ObjectNode) RunSpec.JSON.readTree(p.toFile());
                prov.remove("inputs");
                Files.writeString(p, RunSpec.JSON.writeValueAsString(prov));
            }
        }
        Files.delete(run.clusterInputs());
        // The inputs changed, but nothing recorded them: the run is used as before, with a warning in the log.
        CliRunner.Result c = CliRunner.run("cluster", "--run", dir.toString(), "--experts", "2", "--fine", "8",
                "--seed", "5", "--force");
        assertThat(c.exitCode()).as(c.err()).isZero();
        Files.delete(run.clusterInputs());
        CliRunner.Result e = eval(dir);
        assertThat(e.exitCode()).as(e.err()).isZero();
        ObjectNode results = (ObjectNode) RunSpec.JSON.readTree(run.evalResults().toFile());
        results.remove("inputs");
        Files.writeString(run.evalResults(), RunSpec.JSON.writeValueAsString(results));
        CliRunner.Result r = CliRunner.run("report", "--run", dir.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
    }
}
