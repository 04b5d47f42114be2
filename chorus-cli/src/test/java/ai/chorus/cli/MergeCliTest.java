package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chorus merge} end to end on a tiny prepared and clustered run whose models are random: the merged
 * folder is generated from and evaluated next to the ensembles, and bad recipes are one line and exit 2.
 */
class MergeCliTest {
    @TempDir
    static Path tmp;

    private static RunDir run;

    @BeforeAll
    static void tinyRunWithRandomModels() throws IOException {
        run = TinyRun.create(tmp.resolve("run"), 2, 2);
        int vocab = ShardReader.open(run.dataDir()).meta().vocabSize();
        ModelConfig config = ModelConfig.of(vocab, 16, 1, 2, 32, 16);
        Checkpoints.save(run.seedDir(), config, LlamaModel.initialized(config, 1).parameters(), Map.of());
        Checkpoints.save(run.denseDir(), config, LlamaModel.initialized(config, 2).parameters(), Map.of());
        for (int e = 0; e < 2; e++) {
            Checkpoints.save(run.expertDir(e), config, LlamaModel.initialized(config, 10 + e).parameters(), Map.of());
            Checkpoints.save(run.randomExpertDir(e), config, LlamaModel.initialized(config, 20 + e).parameters(),
                    Map.of());
        }
    }

    @Test
    void mergedModelsGenerateAndAreEvaluatedNextToTheEnsembles() throws IOException {
        CliRunner.Result avg = CliRunner.run("merge", "--run", run.root().toString(), "--method", "average");
        assertThat(avg.exitCode()).as(avg.err()).isZero();
        assertThat(avg.out()).contains("merged 2 models with average");
        Path recipe = tmp.resolve("ties-dense.yaml");
        Files.writeString(recipe, "method: ties\nmodels: [e00, e01]\nparameters:\n  density: 0.5\n");
        CliRunner.Result ties = CliRunner.run("merge", "--run", run.root().toString(), "--recipe", recipe.toString(),
                "--json");
        assertThat(ties.exitCode()).as(ties.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(ties.out());
        assertThat(result.get("out").asText()).isEqualTo(run.mergedDir().resolve("ties-dense").toString());
        JsonNode provenance = new ObjectMapper().readTree(
                RunDir.provenance(run.mergedDir().resolve("ties-dense")).toFile());
        assertThat(provenance.get("recipe_file").asText()).isEqualTo(recipe.toAbsolutePath().toString());
        assertThat(provenance.get("base").get("path").asText()).isEqualTo(run.seedDir().toString());

        CliRunner.Result gen = CliRunner.run("generate", "--model", run.mergedDir().resolve("average").toString(),
                "--prompt", "the cat", "--max-tokens", "5", "--threads", "1");
        assertThat(gen.exitCode()).as(gen.err()).isZero();
        assertThat(gen.out()).startsWith("the cat");

        CliRunner.Result eval = CliRunner.run("eval", "--run", run.root().toString(), "--threads", "1",
                "--max-tokens", "3000", "--json");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(eval.out());
        for (String key : new String[] {"merged_average", "merged_ties-dense"}) {
            assertThat(json.path("perplexity").path(key).asDouble()).as(key).isGreaterThan(1).isFinite();
            assertThat(json.path("per_domain").path(key).size()).as(key).isPositive();
        }
        assertThat(json.get("split").asText()).isEqualTo("test");
        CliRunner.Result valid = CliRunner.run("eval", "--run", run.root().toString(), "--threads", "1",
                "--max-tokens", "3000", "--split", "valid", "--json");
        assertThat(valid.exitCode()).as(valid.err()).isZero();
        assertThat(new ObjectMapper().readTree(valid.out()).get("split").asText()).isEqualTo("valid");

        CliRunner.Result report = CliRunner.run("report", "--run", run.root().toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(Files.readString(run.report())).contains("Merged model ties-dense")
                .contains("Best merged model");
    }

    @Test
    void aFolderMergedOutsideTheRunGeneratesAndScoresOnItsOwn() throws IOException {
        Path out = tmp.resolve("elsewhere").resolve("m");
        CliRunner.Result merge = CliRunner.run("merge", "--run", run.root().toString(), "--method", "average",
                "--out", out.toString());
        assertThat(merge.exitCode()).as(merge.err()).isZero();
        for (String f : List.of("config.json", "model.safetensors", TokenizerFiles.TOKENIZER,
                TokenizerFiles.TOKENIZER_CONFIG, TokenizerFiles.GENERATION_CONFIG)) {
            assertThat(out.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.mismatch(out.resolve(TokenizerFiles.TOKENIZER), run.tokenizerJson())).isEqualTo(-1L);
        CliRunner.Result gen = CliRunner.run("generate", "--model", out.toString(), "--prompt", "the cat",
                "--max-tokens", "5", "--threads", "1");
        assertThat(gen.exitCode()).as(gen.err()).isZero();
        assertThat(gen.out()).startsWith("the cat");
        CliRunner.Result score = CliRunner.run("score", "--model", out.toString(), "--text", "the cat sat",
                "--threads", "1", "--json");
        assertThat(score.exitCode()).as(score.err()).isZero();
    }

    @Test
    void badRecipesAreOneLineExitTwoAndWriteNothing() throws IOException {
        Path recipe = tmp.resolve("bad.json");
        Files.writeString(recipe, "{\"method\": \"ties\", \"models\": [\"e00\"], \"parameters\": {\"density\": 2}}");
        CliRunner.Result r = CliRunner.run("merge", "--run", run.root().toString(), "--recipe", recipe.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("chorus merge: recipe ").contains("density of ties must be in (0, 1], got 2");
        assertThat(run.mergedDir().resolve("bad")).doesNotExist();

        CliRunner.Result slerp = CliRunner.run("merge", "--run", run.root().toString(), "--method", "slerp",
                "--out", tmp.resolve("s").toString());
        assertThat(slerp.exitCode()).as(slerp.err()).isZero(); // two experts: exactly what slerp takes

        CliRunner.Result unknown = CliRunner.run("merge", "--run", run.root().toString(), "--method", "soup");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--method must be one of average, task-arithmetic, ties, dare, slerp");
        CliRunner.Result both = CliRunner.run("merge", "--run", run.root().toString(), "--method", "ties", "--recipe",
                recipe.toString());
        assertThat(both.exitCode()).isEqualTo(2);
        CliRunner.Result missing = CliRunner.run("merge", "--run", run.root().toString(), "--recipe",
                tmp.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
    }
}
