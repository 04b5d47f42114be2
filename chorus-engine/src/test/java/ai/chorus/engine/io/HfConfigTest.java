package ai.chorus.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HfConfigTest {
    @TempDir
    Path dir;

    private static final ModelConfig SMALL = new ModelConfig(64, 176, 2, 4, 2, 300, 128, 1e-5, 10000.0, true);

    /** A transformers 4 file, as TinyLlama ships it. */
    private static final String TRANSFORMERS_4 = "{\n"
            + "  \"architectures\": [\"LlamaForCausalLM\"], \"attention_bias\": false, \"bos_token_id\": 1,\n"
            + "  \"eos_token_id\": 2, \"hidden_act\": \"silu\", \"hidden_size\": 2048, \"initializer_range\": 0.02,\n"
            + "  \"intermediate_size\": 5632, \"max_position_embeddings\": 2048, \"model_type\": \"llama\",\n"
            + "  \"num_attention_heads\": 32, \"num_hidden_layers\": 22, \"num_key_value_heads\": 4,\n"
            + "  \"pretraining_tp\": 1, \"rms_norm_eps\": 1e-05, \"rope_scaling\": null, \"rope_theta\": 10000.0,\n"
            + "  \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\", \"transformers_version\": \"4.35.0\",\n"
            + "  \"use_cache\": true, \"vocab_size\": 32000\n}";

    /** A transformers 5 file: dtype, rope_parameters, a list of eos ids. */
    private static final String TRANSFORMERS_5 = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
            + " \"dtype\": \"bfloat16\", \"head_dim\": 64, \"hidden_size\": 2048, \"intermediate_size\": 8192,"
            + " \"num_hidden_layers\": 16, \"num_attention_heads\": 32, \"num_key_value_heads\": 8,"
            + " \"max_position_embeddings\": 131072, \"rms_norm_eps\": 1e-05, \"vocab_size\": 128256,"
            + " \"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"default\"},"
            + " \"tie_word_embeddings\": true, \"bos_token_id\": 128000, \"eos_token_id\": [128001, 128009]}";

    @Test
    void writeThenReadIsTheIdentity() throws IOException {
        HfConfig config = HfConfig.of(SMALL).withTokenIds(0, 1)
                .withExtra("chorus", Map.of("expert", 3L, "domains", List.of("law", "news")));
        Path file = dir.resolve("config.json");
        config.write(file);
        assertThat(HfConfig.read(file)).isEqualTo(config);
    }

    @Test
    void writesWhatTransformersExpects() throws IOException {
        Path file = dir.resolve("config.json");
        HfConfig.of(SMALL).withTokenIds(0, 1).write(file);
        Map<String, Object> json = Json.parseObject(Files.readString(file), "t");
        assertThat(json).containsEntry("architectures", List.of("LlamaForCausalLM"))
                .containsEntry("model_type", "llama").containsEntry("vocab_size", 300L)
                .containsEntry("hidden_size", 64L).containsEntry("intermediate_size", 176L)
                .containsEntry("num_hidden_layers", 2L).containsEntry("num_attention_heads", 4L)
                .containsEntry("num_key_value_heads", 2L).containsEntry("head_dim", 16L)
                .containsEntry("max_position_embeddings", 128L).containsEntry("hidden_act", "silu")
                .containsEntry("rms_norm_eps", 1e-5).containsEntry("rope_theta", 10000.0)
                .containsEntry("rope_parameters", Map.of("rope_type", "default", "rope_theta", 10000.0))
                .containsEntry("tie_word_embeddings", true).containsEntry("torch_dtype", "float32")
                .containsEntry("dtype", "float32").containsEntry("bos_token_id", 0L).containsEntry("eos_token_id", 1L)
                .containsEntry("attention_bias", false).containsEntry("mlp_bias", false)
                .containsEntry("initializer_range", 0.02);
        assertThat(Files.readString(file)).startsWith("{\n  \"architectures\": [\n    \"LlamaForCausalLM\"\n  ],")
                .endsWith("}\n");
    }

    @Test
    void readsATransformers4File() {
        HfConfig c = HfConfig.fromJson(Json.parseObject(TRANSFORMERS_4, "config.json"), "config.json");
        assertThat(c.model()).isEqualTo(new ModelConfig(2048, 5632, 22, 32, 4, 32000, 2048, 1e-5, 10000.0, false));
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenId()).isEqualTo(2);
        assertThat(c.extra()).containsOnlyKeys("initializer_range", "pretraining_tp", "transformers_version", "use_cache");
    }

    @Test
    void readsATransformers5File() {
        HfConfig c = HfConfig.fromJson(Json.parseObject(TRANSFORMERS_5, "config.json"), "config.json");
        assertThat(c.model()).isEqualTo(new ModelConfig(2048, 8192, 16, 32, 8, 128256, 131072, 1e-5, 500000.0, true));
        assertThat(c.bosTokenId()).isEqualTo(128000);
        assertThat(c.eosTokenId()).isNull();
        assertThat(c.extra()).containsEntry("eos_token_id", List.of(128001L, 128009L)); // kept as it was
        assertThat(Json.parseObject(Json.write(c.toJson()), "t")).containsEntry("eos_token_id", List.of(128001L, 128009L));
    }

    @Test
    void appliesTheLlamaConfigDefaults() {
        String minimal = "{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"max_position_embeddings\": 32}";
        ModelConfig m = HfConfig.fromJson(Json.parseObject(minimal, "c"), "c").model();
        assertThat(m.rmsNormEps()).isEqualTo(1e-6);
        assertThat(m.ropeTheta()).isEqualTo(10000.0);
        assertThat(m.tieWordEmbeddings()).isFalse();
        assertThat(m.numKeyValueHeads()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"model_type\": \"mistral\"                 | field model_type is \"mistral\"",
        "\"model_type\": null                        | field model_type is missing",
        "\"hidden_size\": null                       | field hidden_size is missing",
        "\"hidden_size\": \"64\"                     | field hidden_size must be an integer, got \"64\"",
        "\"hidden_size\": 64.5                       | field hidden_size must be an integer",
        "\"num_hidden_layers\": 0                    | num_hidden_layers must be positive",
        "\"hidden_size\": 65                         | not a multiple of num_attention_heads",
        "\"tie_word_embeddings\": 1                  | field tie_word_embeddings must be true or false",
        "\"rms_norm_eps\": \"small\"                 | field rms_norm_eps must be a number",
        "\"architectures\": [\"MistralForCausalLM\"] | field architectures is [\"MistralForCausalLM\"]",
        "\"hidden_act\": \"gelu\"                    | field hidden_act is \"gelu\"",
        "\"attention_bias\": true                    | Chorus models have no biases",
        "\"rope_scaling\": {\"factor\": 8.0}         | field rope_scaling is set",
        "\"rope_parameters\": {\"rope_type\": \"llama3\"} | field rope_parameters.rope_type is \"llama3\"",
        "\"rope_parameters\": {\"rope_theta\": 5.0}  | rope_theta 10000.0 and rope_parameters.rope_theta 5.0 disagree",
        "\"head_dim\": 128                           | field head_dim is 128",
        "\"torch_dtype\": 32                         | field torch_dtype must be a string",
    })
    void refusesWithTheFileAndTheField(String override, String fault) throws IOException {
        Path file = dir.resolve("config.json");
        HfConfig.of(SMALL).write(file);
        Map<String, Object> json = Json.parseObject(Files.readString(file), "t");
        json.putAll(Json.parseObject("{" + override + "}", "override"));
        Files.writeString(file, Json.write(json));
        assertThatThrownBy(() -> HfConfig.read(file)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(file + ": ").hasMessageContaining(fault);
    }

    @Test
    void refusesMissingAndMalformedFiles() throws IOException {
        assertThatThrownBy(() -> HfConfig.read(dir.resolve("config.json"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no such file");
        Path file = dir.resolve("config.json");
        Files.writeString(file, "[1]");
        assertThatThrownBy(() -> HfConfig.read(file)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected a JSON object");
    }

    @Test
    void extrasCannotShadowOwnedKeys() {
        assertThatThrownBy(() -> HfConfig.of(SMALL).withExtra("hidden_size", 3L))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
