package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static BpeTokenizer tokenizer;
    static String json;

    @TempDir
    static Path dir;

    @BeforeAll
    static void train() throws Exception {
        tokenizer = new BpeTrainer(320).train(TestCorpus.documents(100, 21).stream(), Progress.NONE);
        Path file = dir.resolve("trained.json");
        tokenizer.save(file);
        json = Files.readString(file);
    }

    private static Path write(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    /** The trained file with one edit applied to its JSON tree. */
    private static Path edited(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) MAPPER.readTree(json);
        edit.accept(root);
        return write(name, MAPPER.writeValueAsString(root));
    }

    private static ObjectNode model(ObjectNode root) {
        return (ObjectNode) root.get("model");
    }

    @Test
    void writesHuggingFaceFieldsInHuggingFaceOrder() throws Exception {
        JsonNode root = MAPPER.readTree(json);
        List<String> top = new ArrayList<>();
        root.fieldNames().forEachRemaining(top::add);
        assertThat(top).containsExactly("version", "truncation", "padding", "added_tokens", "normalizer",
                "pre_tokenizer", "post_processor", "decoder", "model");
        List<String> model = new ArrayList<>();
        root.get("model").fieldNames().forEachRemaining(model::add);
        assertThat(model).containsExactly("type", "dropout", "unk_token", "continuing_subword_prefix",
                "end_of_word_suffix", "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges");
        assertThat(root.get("pre_tokenizer").toString()).isEqualTo(
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}");
        assertThat(root.get("added_tokens").toString()).isEqualTo("[{\"id\":319,\"content\":\"<|endoftext|>\","
                + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}]");
        assertThat(root.get("model").get("vocab").get("<|endoftext|>").intValue()).isEqualTo(319);
        assertThat(root.get("model").get("vocab").get("Ġ").intValue()).isEqualTo(32);
        assertThat(root.get("model").get("merges").get(0).isArray()).isTrue();
        assertThat(json).contains("\n      [\"").endsWith("}\n");
    }

    @Test
    void readsLegacyMergeStrings() throws Exception {
        Path legacy = edited("legacy.json", root -> {
            ArrayNode merges = (ArrayNode) model(root).get("merges");
            for (int i = 0; i < merges.size(); i++) {
                merges.set(i, merges.get(i).get(0).textValue() + " " + merges.get(i).get(1).textValue());
            }
        });
        BpeTokenizer loaded = BpeTokenizer.load(legacy);
        for (String doc : TestCorpus.documents(20, 5)) {
            assertThat(loaded.encode(doc)).isEqualTo(tokenizer.encode(doc));
        }
    }

    @Test
    void encodesWithAnyIdOrder() throws Exception {
        // GPT-2's own file orders byte tokens by character, not by byte value: ids are only names.
        int n = tokenizer.vocabSize() - 1; // the separator keeps its id
        List<Integer> permutation = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            permutation.add(i);
        }
        java.util.Collections.shuffle(permutation, new java.util.Random(42));
        BpeTokenizer shuffled = BpeTokenizer.load(edited("shuffled.json", root -> {
            ObjectNode vocab = (ObjectNode) model(root).get("vocab");
            for (int id = 0; id < n; id++) {
                vocab.put(tokenizer.token(id), permutation.get(id));
            }
        }));
        for (String doc : TestCorpus.documents(30, 8)) {
            int[] expected = tokenizer.encode(doc);
            int[] actual = shuffled.encode(doc);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isEqualTo(permutation.get(expected[i]));
            }
            assertThat(shuffled.decode(actual)).isEqualTo(doc);
        }
    }

    @Test
    void readsGpt2StyleFilesWithoutOptionalFields() throws Exception {
        BpeTokenizer loaded = BpeTokenizer.load(edited("minimal.json", root -> {
            root.remove("post_processor");
            model(root).remove(List.of("dropout", "unk_token", "fuse_unk", "byte_fallback", "ignore_merges",
                    "continuing_subword_prefix", "end_of_word_suffix"));
        }));
        assertThat(loaded.vocabSize()).isEqualTo(tokenizer.vocabSize());
    }

    private static void assertRefused(Path file, String... fragments) {
        assertThatThrownBy(() -> BpeTokenizer.load(file)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(file.toString()).hasMessageContainingAll(fragments);
    }

    @Test
    void refusesUnknownMergeTokens() throws Exception {
        assertRefused(edited("unknown-merge.json",
                root -> ((ArrayNode) model(root).get("merges")).set(3, MAPPER.createArrayNode().add("Ġ").add("zzqq"))),
                "model.merges[3]", "\"zzqq\"", "not in model.vocab");
    }

    @Test
    void refusesMergesWhoseResultIsMissing() throws Exception {
        assertRefused(edited("missing-result.json",
                root -> ((ArrayNode) model(root).get("merges")).add(MAPPER.createArrayNode().add("x").add("q"))),
                "makes \"xq\"", "not in model.vocab");
    }

    @Test
    void refusesMalformedMergeEntries() throws Exception {
        assertRefused(edited("bad-merge.json", root -> ((ArrayNode) model(root).get("merges")).set(0,
                MAPPER.getNodeFactory().textNode("a b c"))), "model.merges[0]", "two tokens separated by one space");
        assertRefused(edited("bad-merge2.json", root -> ((ArrayNode) model(root).get("merges")).set(0,
                MAPPER.getNodeFactory().numberNode(7))), "model.merges[0]", "neither");
    }

    @Test
    void refusesIdsOutOfRangeOrDuplicated() throws Exception {
        assertRefused(edited("gap.json", root -> ((ObjectNode) model(root).get("vocab")).put("a", 5000)),
                "no token has id");
        assertRefused(edited("negative.json", root -> ((ObjectNode) model(root).get("vocab")).put("a", -1)),
                "model.vocab[\"a\"]", "not a valid id");
        assertRefused(edited("dup.json", root -> ((ObjectNode) model(root).get("vocab")).put("a", 98)),
                "gives id 98 to both");
        assertRefused(write("dupkey.json", json.replaceFirst("\"b\": 98", "\"a\": 98")), "not valid JSON",
                "Duplicate field");
    }

    @Test
    void refusesWhatWouldEncodeDifferently() throws Exception {
        assertRefused(edited("wordpiece.json", root -> model(root).put("type", "WordPiece")),
                "model.type", "not \"BPE\"");
        assertRefused(edited("no-type.json", root -> model(root).remove("type")), "model.type");
        assertRefused(edited("no-model.json", root -> root.remove("model")), "no \"model\"");
        assertRefused(edited("whitespace.json",
                root -> root.set("pre_tokenizer", MAPPER.createObjectNode().put("type", "Whitespace"))),
                "pre_tokenizer is of type \"Whitespace\"", "not ByteLevel");
        assertRefused(edited("prefix.json", root -> ((ObjectNode) root.get("pre_tokenizer")).put("add_prefix_space", true)),
                "add_prefix_space");
        assertRefused(edited("normalizer.json",
                root -> root.set("normalizer", MAPPER.createObjectNode().put("type", "NFC"))), "normalizer");
        assertRefused(edited("dropout.json", root -> model(root).put("dropout", 0.1)), "dropout");
        assertRefused(edited("ignore.json", root -> model(root).put("ignore_merges", true)), "ignore_merges");
        assertRefused(edited("no-eot.json", root -> root.set("added_tokens", MAPPER.createArrayNode())),
                "no special added token <|endoftext|>");
        assertRefused(edited("not-special.json",
                root -> ((ObjectNode) root.get("added_tokens").get(0)).put("special", false)), "is not special");
        assertRefused(edited("no-byte.json", root -> {
            ObjectNode vocab = (ObjectNode) model(root).get("vocab");
            vocab.remove("Ā"); // byte 0
            vocab.put("QQ", 0);
        }), "lacks the byte token \"Ā\" (byte 0)");
    }

    @Test
    void saveToAnUnwritablePlaceSaysWhere() throws Exception {
        Path blocker = write("a-file", "x");
        Path target = blocker.resolve("tokenizer.json"); // a path below a regular file
        assertThatThrownBy(() -> tokenizer.save(target)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cannot write tokenizer.json to " + target);
    }

    @Test
    void refusesFilesThatAreNotTokenizers() throws Exception {
        assertRefused(write("garbage.json", "{\"version\": "), "not valid JSON");
        assertRefused(write("array.json", "[1, 2]"), "does not hold a JSON object");
        assertThatThrownBy(() -> BpeTokenizer.load(dir.resolve("absent.json")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    }
}
