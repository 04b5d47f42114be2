package ai.chorus.core.tokenizer;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer side of a Hugging Face model folder: the one place that knows which files besides
 * {@code config.json} + {@code model.safetensors} (the engine's) make a folder load on its own with
 * {@code AutoTokenizer.from_pretrained(folder)} and {@code AutoModelForCausalLM.from_pretrained(folder)}
 * + {@code generate}, and where a model folder's tokenizer is found.
 *
 * <ul>
 *   <li>{@code tokenizer.json}: the run's byte-level BPE, byte for byte ({@link BpeTokenizer#save});
 *   <li>{@code tokenizer_config.json}: a {@code PreTrainedTokenizerFast} with {@code <|endoftext|>} as
 *       bos and eos (GPT-2's convention: it separates documents, so it both starts and ends one), no unk
 *       token (a byte-level BPE has no unknown input), {@code add_bos_token} false (HF encodes the text's
 *       tokens only, as {@code chorus} does), {@code model_max_length} = the model's context, no clean-up
 *       of spaces (decode(encode(s)) = s);
 *   <li>{@code generation_config.json}: only the bos/eos ids, so that HF's {@code generate} stops at
 *       {@code <|endoftext|>} as {@code chorus generate} does; every decoding default stays HF's (greedy).
 * </ul>
 */
public final class TokenizerFiles {
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    /** Every file {@link #writeInto} writes. */
    public static final List<String> NAMES = List.of(TOKENIZER, TOKENIZER_CONFIG, GENERATION_CONFIG);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerFiles() {}

    /**
     * Writes the three files into {@code folder} (each atomically). Callers write them before the file
     * that marks their folder complete (a job's provenance) or into the staging folder they move into place.
     *
     * @param contextLength the model's max_position_embeddings
     */
    public static void writeInto(Path folder, BpeTokenizer tokenizer, int contextLength) throws IOException {
        tokenizer.save(folder.resolve(TOKENIZER));
        AtomicFiles.writeString(folder.resolve(TOKENIZER_CONFIG), json(tokenizerConfig(tokenizer, contextLength)));
        AtomicFiles.writeString(folder.resolve(GENERATION_CONFIG), json(generationConfig(tokenizer)));
    }

    /** True when the folder holds all three files. */
    public static boolean presentIn(Path folder) {
        return NAMES.stream().allMatch(n -> Files.isRegularFile(folder.resolve(n)));
    }

    /**
     * The tokenizer.json of a model folder: its own, else the nearest parent's (runs written before
     * folders carried their tokenizer keep it only at the run's root).
     *
     * @throws InvalidInputException when there is none
     */
    public static Path locate(Path modelDir) {
        for (Path p = modelDir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            Path candidate = p.resolve(TOKENIZER);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new InvalidInputException("no " + TOKENIZER + " in " + modelDir + " or its parent folders; give the"
                + " run's tokenizer with --tokenizer");
    }

    /**
     * The one tokenizer of models that are combined (merged): each folder's {@link #locate located}
     * tokenizer.json must hold the same bytes, and its vocabulary must be the models' {@code vocabSize}.
     */
    public static BpeTokenizer commonTo(List<Path> modelDirs, int vocabSize) throws IOException {
        Path first = locate(modelDirs.get(0));
        for (Path dir : modelDirs.subList(1, modelDirs.size())) {
            Path other = locate(dir);
            if (!other.equals(first) && Files.mismatch(first, other) >= 0) {
                throw new InvalidInputException(dir + " has another tokenizer (" + other + ") than "
                        + modelDirs.get(0) + " (" + first + "); only models of one tokenizer can be combined");
            }
        }
        BpeTokenizer tokenizer = BpeTokenizer.load(first);
        if (tokenizer.vocabSize() != vocabSize) {
            throw new InvalidInputException(first + " has " + tokenizer.vocabSize() + " tokens but the models'"
                    + " vocab_size is " + vocabSize + "; put the models' own tokenizer.json in their folder");
        }
        return tokenizer;
    }

    static Map<String, Object> tokenizerConfig(BpeTokenizer tokenizer, int contextLength) {
        Map<String, Object> added = new LinkedHashMap<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (tokenizer.isSpecial(id)) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("content", tokenizer.token(id));
                t.put("lstrip", false);
                t.put("normalized", false);
                t.put("rstrip", false);
                t.put("single_word", false);
                t.put("special", true);
                added.put(Integer.toString(id), t);
            }
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("added_tokens_decoder", added);
        c.put("bos_token", BpeTokenizer.END_OF_TEXT);
        c.put("eos_token", BpeTokenizer.END_OF_TEXT);
        c.put("unk_token", null);
        c.put("pad_token", null);
        c.put("add_bos_token", false);
        c.put("add_eos_token", false);
        c.put("add_prefix_space", false);
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", contextLength);
        return c;
    }

    static Map<String, Object> generationConfig(BpeTokenizer tokenizer) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("bos_token_id", tokenizer.endOfTextId());
        g.put("eos_token_id", tokenizer.endOfTextId());
        return g;
    }

    private static String json(Map<String, Object> value) {
        try {
            return JSON.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // plain maps of strings, numbers and booleans always serialise
        }
    }
}
