package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer files of a model folder, read back as Hugging Face reads them: the special tokens that
 * tokenizer_config.json and generation_config.json name must be the ones tokenizer.json defines.
 */
class TokenizerFilesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static BpeTokenizer tokenizer;

    @TempDir
    static Path dir;

    @BeforeAll
    static void train() {
        tokenizer = new BpeTrainer(300).train(TestCorpus.documents(50, 3).stream(), Progress.NONE);
    }

    @Test
    void theConfigsNameTheSpecialTokenThatTokenizerJsonDefines() throws Exception {
        Path folder = dir.resolve("model");
        Files.createDirectories(folder);
        TokenizerFiles.writeInto(folder, tokenizer, 96);
        assertThat(TokenizerFiles.presentIn(folder)).isTrue();

        // tokenizer.json read as plain JSON (not through our reader): its one special added token
        JsonNode tok = MAPPER.readTree(folder.resolve("tokenizer.json").toFile());
        List<JsonNode> added = new ArrayList<>();
        tok.get("added_tokens").forEach(added::add);
        assertThat(added).hasSize(1);
        int eotId = added.get(0).get("id").asInt();
        String eot = added.get(0).get("content").asText();
        assertThat(eot).isEqualTo("<|endoftext|>");
        assertThat(tok.get("model").get("vocab").get(eot).asInt()).isEqualTo(eotId); // as GPT-2's vocab has it

        JsonNode cfg = MAPPER.readTree(folder.resolve("tokenizer_config.json").toFile());
        assertThat(cfg.get("tokenizer_class").asText()).isEqualTo("PreTrainedTokenizerFast");
        assertThat(cfg.get("bos_token").asText()).isEqualTo(eot);
        assertThat(cfg.get("eos_token").asText()).isEqualTo(eot);
        assertThat(cfg.get("unk_token").isNull()).isTrue();
        assertThat(cfg.get("add_bos_token").asBoolean(true)).isFalse();
        assertThat(cfg.get("clean_up_tokenization_spaces").asBoolean(true)).isFalse();
        assertThat(cfg.get("model_max_length").asInt()).isEqualTo(96);
        JsonNode decoder = cfg.get("added_tokens_decoder");
        assertThat(decoder.size()).isEqualTo(1);
        assertThat(decoder.get(Integer.toString(eotId)).get("content").asText()).isEqualTo(eot);
        assertThat(decoder.get(Integer.toString(eotId)).get("special").asBoolean()).isTrue();

        JsonNode gen = MAPPER.readTree(folder.resolve("generation_config.json").toFile());
        assertThat(gen.get("bos_token_id").asInt()).isEqualTo(eotId);
        assertThat(gen.get("eos_token_id").asInt()).isEqualTo(eotId);
        assertThat(gen.size()).as("no decoding setting besides the token ids").isEqualTo(2);

        // and the folder's tokenizer.json is the tokenizer, byte for byte
        Path saved = dir.resolve("saved.json");
        tokenizer.save(saved);
        assertThat(Files.mismatch(saved, folder.resolve("tokenizer.json"))).isEqualTo(-1L);
    }

    @Test
    void aFoldersOwnTokenizerWinsOverItsParentsAndNoneAnywhereIsOneLine() throws Exception {
        RunDir run = RunDir.of(dir.resolve("run"));
        Path expert = run.expertDir(0);
        Files.createDirectories(expert);
        tokenizer.save(run.tokenizerJson());
        assertThat(TokenizerFiles.locate(expert)).isEqualTo(run.tokenizerJson());
        TokenizerFiles.writeInto(expert, tokenizer, 32);
        assertThat(TokenizerFiles.locate(expert)).isEqualTo(expert.resolve("tokenizer.json").toAbsolutePath());

        Path lonely = Files.createTempDirectory("chorus-no-tokenizer");
        try {
            assertThatThrownBy(() -> TokenizerFiles.locate(lonely)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("no tokenizer.json in " + lonely).hasMessageNotContaining("\n");
        } finally {
            Files.delete(lonely);
        }
    }

    @Test
    void modelsOfOneTokenizerShareItAndAVocabularyMismatchIsRefused() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        TokenizerFiles.writeInto(a, tokenizer, 32);
        TokenizerFiles.writeInto(b, tokenizer, 32);
        assertThat(TokenizerFiles.commonTo(List.of(a, b), tokenizer.vocabSize()).vocabSize())
                .isEqualTo(tokenizer.vocabSize());
        assertThatThrownBy(() -> TokenizerFiles.commonTo(List.of(a, b), tokenizer.vocabSize() + 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vocab_size");
    }
}
