package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chorus score} on a small random model folder that carries its tokenizer. */
class ScoreCliTest {
    private static final int CONTEXT = 16;
    private static final String TEXT = "die Katze schläft auf dem Sofa";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path model;
    static BpeTokenizer tokenizer;

    @BeforeAll
    static void folder() throws IOException {
        tokenizer = BpeTokenizer.train(Stream.of(TEXT, "der Hund bellt laut im Garten"), 300, Progress.NONE);
        ModelConfig config = ModelConfig.of(tokenizer.vocabSize(), 16, 1, 2, 32, CONTEXT);
        model = tmp.resolve("model");
        Checkpoints.save(model, config, LlamaModel.initialized(config, 5).parameters(), Map.of());
        TokenizerFiles.writeInto(model, tokenizer, CONTEXT);
    }

    private static CliRunner.Result score(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "score";
        all[1] = "--model";
        all[2] = model.toString();
        all[3] = "--threads=1";
        System.arraycopy(args, 0, all, 4, args.length);
        return CliRunner.run(all);
    }

    @Test
    void jsonHoldsTheTokensTheirLogProbsAndThePerplexityOverThem() throws IOException {
        CliRunner.Result r = score("--text", TEXT, "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JSON.readTree(r.out());
        int[] ids = tokenizer.encode(TEXT);
        assertThat(JSON.convertValue(json.get("tokens"), int[].class)).isEqualTo(ids);
        double[] lp = JSON.convertValue(json.get("logprobs"), double[].class);
        assertThat(lp).hasSize(ids.length - 1);
        double sum = 0;
        for (double v : lp) {
            assertThat(v).isNegative();
            sum += v;
        }
        assertThat(json.get("scored_tokens").asInt()).isEqualTo(ids.length - 1);
        assertThat(json.get("sum_logprob").asDouble()).isCloseTo(sum, within(1e-9));
        assertThat(json.get("perplexity").asDouble()).isCloseTo(Math.exp(-sum / lp.length), within(1e-9));
        StringBuilder text = new StringBuilder();
        json.get("pieces").forEach(p -> text.append(p.asText()));
        assertThat(text.toString()).isEqualTo(TEXT);

        JsonNode bos = JSON.readTree(score("--text", TEXT, "--bos", "--json").out());
        assertThat(bos.get("tokens").get(0).asInt()).isEqualTo(tokenizer.endOfTextId());
        assertThat(bos.get("logprobs").size()).isEqualTo(ids.length);
    }

    @Test
    void textModePrintsOneRowPerTokenAndThePerplexity() throws IOException {
        CliRunner.Result r = score("--text", "auf dem\nSofa");
        assertThat(r.exitCode()).as(r.err()).isZero();
        int[] ids = tokenizer.encode("auf dem\nSofa");
        JsonNode json = JSON.readTree(score("--text", "auf dem\nSofa", "--json").out());
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(ids.length + 2); // header, one row per token, summary
        assertThat(lines[1]).contains("\"" + tokenizer.decode(new int[] {ids[0]}) + "\"").endsWith("-");
        assertThat(r.out()).contains("\\n").contains(String.format("%.4f", json.get("logprobs").get(0).asDouble()));
        assertThat(lines[lines.length - 1]).contains(String.format("perplexity %.4f", json.get("perplexity").asDouble()));
    }

    @Test
    void aUtf8FileScoresAsTheSameText() throws IOException {
        Path file = tmp.resolve("text.txt");
        Files.writeString(file, TEXT, StandardCharsets.UTF_8);
        CliRunner.Result fromFile = score("--file", file.toString(), "--json");
        assertThat(fromFile.exitCode()).as(fromFile.err()).isZero();
        assertThat(fromFile.out()).isEqualTo(score("--text", TEXT, "--json").out());
    }

    @Test
    void refusalsAreOneLineWithExitTwo() throws IOException {
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, TEXT.getBytes(StandardCharsets.ISO_8859_1));
        CliRunner.Result bad = score("--file", latin1.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).startsWith("chorus score: --file ").contains("not valid UTF-8");
        assertThat(bad.err().strip().lines()).hasSize(1);

        CliRunner.Result tooLong = score("--text", "die Katze schläft ".repeat(20));
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("max_position_embeddings").contains("at most " + (CONTEXT + 1));

        assertThat(score("--text", "x", "--file", latin1.toString()).exitCode()).isEqualTo(2);
        assertThat(score().exitCode()).isEqualTo(2);
        assertThat(score("--file", tmp.resolve("nope.txt").toString()).err()).contains("does not exist");
    }
}
