package ai.chorus.core.tokenizer;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes Hugging Face's tokenizer.json for a byte-level BPE.
 *
 * <p>Written: the fields and key order of {@code tokenizers} ≥ 0.20 (merges as [left, right]
 * pairs, the model's vocab ordered by id), indented, one vocab entry and one merge per line. Read:
 * that, or merges as "left right" strings (older files); everything that would make our ids differ
 * from Hugging Face's is refused (a normalizer, another pre-tokenizer, a prefix space, a
 * post-processor that adds tokens, dropout, ignore_merges, non-special added tokens, which HF
 * would match inside text), as are malformed vocabularies and merges.
 */
final class TokenizerJson {
    /** A tokenizer.json larger than this is refused rather than risking running out of memory. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private static final ObjectMapper MAPPER = new ObjectMapper(
            JsonFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private TokenizerJson() {}

    // ---------------------------------------------------------------- write

    static void write(BpeTokenizer tokenizer, Path path) {
        try {
            AtomicFiles.write(path, out -> {
                try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.setPrettyPrinter(new LayoutPrinter());
                    writeTo(tokenizer, g);
                }
            });
        } catch (IOException e) {
            throw new InvalidInputException("cannot write tokenizer.json to " + path + ": " + e
                    + "; check that the directory is writable and the disk not full", e);
        }
    }

    private static void writeTo(BpeTokenizer t, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("version", "1.0");
        g.writeNullField("truncation");
        g.writeNullField("padding");
        g.writeArrayFieldStart("added_tokens");
        for (int id = 0; id < t.vocabSize(); id++) {
            if (t.isSpecial(id)) {
                g.writeStartObject();
                g.writeNumberField("id", id);
                g.writeStringField("content", t.token(id));
                g.writeBooleanField("single_word", false);
                g.writeBooleanField("lstrip", false);
                g.writeBooleanField("rstrip", false);
                g.writeBooleanField("normalized", false);
                g.writeBooleanField("special", true);
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeNullField("normalizer");
        writeByteLevel(g, "pre_tokenizer", false, true);
        writeByteLevel(g, "post_processor", true, false);
        writeByteLevel(g, "decoder", true, true);
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "BPE");
        g.writeNullField("dropout");
        g.writeNullField("unk_token");
        g.writeNullField("continuing_subword_prefix");
        g.writeNullField("end_of_word_suffix");
        g.writeBooleanField("fuse_unk", false);
        g.writeBooleanField("byte_fallback", false);
        g.writeBooleanField("ignore_merges", false);
        g.writeObjectFieldStart("vocab");
        for (int id = 0; id < t.vocabSize(); id++) {
            g.writeNumberField(t.token(id), id);
        }
        g.writeEndObject();
        g.writeArrayFieldStart("merges");
        BpeMerges merges = t.merges();
        for (int r = 0; r < merges.size(); r++) {
            g.writeStartArray();
            g.writeString(t.token(merges.left(r)));
            g.writeString(t.token(merges.right(r)));
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private static void writeByteLevel(JsonGenerator g, String field, boolean addPrefixSpace, boolean trimOffsets)
            throws IOException {
        g.writeObjectFieldStart(field);
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", addPrefixSpace);
        g.writeBooleanField("trim_offsets", trimOffsets);
        g.writeBooleanField("use_regex", true);
        g.writeEndObject();
    }

    /** Two-space indentation, but a merge pair (an array inside an array) stays on one line. */
    private static final class LayoutPrinter extends DefaultPrettyPrinter {
        private static final long serialVersionUID = 1L;
        private static final int PAIR_NESTING = 4; // root object, model, merges, pair

        LayoutPrinter() {
            DefaultIndenter lines = DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n");
            indentObjectsWith(lines);
            indentArraysWith(new DefaultIndenter("  ", "\n") {
                private static final long serialVersionUID = 1L;

                @Override
                public void writeIndentation(JsonGenerator g, int level) throws IOException {
                    if (level < PAIR_NESTING) {
                        super.writeIndentation(g, level);
                    }
                }
            });
        }

        LayoutPrinter(LayoutPrinter base) {
            super(base);
        }

        @Override
        public DefaultPrettyPrinter createInstance() {
            return new LayoutPrinter(this);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
            if (_nesting >= PAIR_NESTING) {
                _nesting--;
                g.writeRaw(']');
            } else {
                super.writeEndArray(g, nrOfValues);
            }
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            _arrayIndenter.writeIndentation(g, _nesting);
            if (_nesting >= PAIR_NESTING) {
                g.writeRaw(' ');
            }
        }
    }

    // ---------------------------------------------------------------- read

    static BpeTokenizer read(Path path) {
        JsonNode root = parse(path);
        Reader r = new Reader(path);
        return r.read(root);
    }

    private static JsonNode parse(Path path) {
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidInputException(path + " is " + size + " bytes, more than a tokenizer.json can be ("
                        + MAX_FILE_BYTES + "); is it the right file?");
            }
            try (InputStream in = Files.newInputStream(path)) {
                JsonNode root = MAPPER.readTree(in);
                if (root == null || !root.isObject()) {
                    throw new InvalidInputException(path + " is not a tokenizer.json: it does not hold a JSON object");
                }
                return root;
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("tokenizer.json " + path + " does not exist; train a tokenizer first");
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("tokenizer.json " + path + " is not valid JSON: "
                    + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new InvalidInputException("tokenizer.json " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Validates one file; every fault becomes an InvalidInputException naming the file and field. */
    private static final class Reader {
        private final Path path;

        Reader(Path path) {
            this.path = path;
        }

        private InvalidInputException fault(String what) {
            return new InvalidInputException("tokenizer.json " + path + ": " + what
                    + "; Chorus reads byte-level BPE tokenizers as it writes them (retrain, or fix the file)");
        }

        BpeTokenizer read(JsonNode root) {
            requireNull(root, "normalizer");
            requireByteLevel(root.get("pre_tokenizer"), "pre_tokenizer", true);
            requireByteLevel(root.get("decoder"), "decoder", false);
            JsonNode post = root.get("post_processor");
            if (post != null && !post.isNull()) {
                requireByteLevel(post, "post_processor", false);
            }
            JsonNode model = root.get("model");
            if (model == null || !model.isObject()) {
                throw fault("there is no \"model\" object");
            }
            if (!"BPE".equals(text(model.get("type")))) {
                throw fault("model.type is " + model.get("type") + ", not \"BPE\"");
            }
            requireNull(model, "dropout");
            requireEmptyOrNull(model, "continuing_subword_prefix");
            requireEmptyOrNull(model, "end_of_word_suffix");
            JsonNode ignoreMerges = model.get("ignore_merges");
            if (ignoreMerges != null && !ignoreMerges.isNull() && !ignoreMerges.isBoolean()) {
                throw fault("model.ignore_merges must be a boolean");
            }
            if (ignoreMerges != null && ignoreMerges.asBoolean()) {
                throw fault("model.ignore_merges is true, which is not supported");
            }

            Map<String, Integer> vocab = readVocab(model.get("vocab"));
            Map<Integer, String> specials = readAddedTokens(root.get("added_tokens"), vocab);
            int size = 0;
            for (int id : vocab.values()) {
                size = Math.max(size, id + 1);
            }
            for (int id : specials.keySet()) {
                size = Math.max(size, id + 1);
            }
            String[] tokens = new String[size];
            boolean[] special = new boolean[size];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                tokens[e.getValue()] = e.getKey();
            }
            int endOfText = -1;
            for (Map.Entry<Integer, String> e : specials.entrySet()) {
                tokens[e.getKey()] = e.getValue();
                special[e.getKey()] = true;
                if (BpeTokenizer.END_OF_TEXT.equals(e.getValue())) {
                    endOfText = e.getKey();
                }
            }
            for (int id = 0; id < size; id++) {
                if (tokens[id] == null) {
                    throw fault("no token has id " + id + ", but ids run up to " + (size - 1)
                            + " (ids must be 0 … n-1 without gaps)");
                }
            }
            if (endOfText < 0) {
                throw fault("there is no special added token " + BpeTokenizer.END_OF_TEXT
                        + " (Chorus's document separator)");
            }
            BpeMerges merges = readMerges(model.get("merges"), vocab);
            try {
                return new BpeTokenizer(tokens, special, merges, endOfText);
            } catch (IllegalArgumentException e) {
                throw fault(e.getMessage());
            }
        }

        private Map<String, Integer> readVocab(JsonNode node) {
            if (node == null || !node.isObject()) {
                throw fault("model.vocab must be an object of token → id");
            }
            Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
            Map<Integer, String> byId = new HashMap<>(node.size() * 2);
            int limit = node.size() + 1_000_000; // ids far beyond the count would leave gaps anyway
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                JsonNode v = e.getValue();
                if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() >= limit) {
                    throw fault("model.vocab[\"" + e.getKey() + "\"] = " + v + " is not a valid id (0 … "
                            + (node.size() - 1) + ")");
                }
                String clash = byId.put(v.intValue(), e.getKey());
                if (clash != null) {
                    throw fault("model.vocab gives id " + v.intValue() + " to both \"" + clash + "\" and \""
                            + e.getKey() + "\"");
                }
                vocab.put(e.getKey(), v.intValue());
            }
            return vocab;
        }

        private Map<Integer, String> readAddedTokens(JsonNode node, Map<String, Integer> vocab) {
            Map<Integer, String> specials = new HashMap<>();
            if (node == null || node.isNull()) {
                return specials;
            }
            if (!node.isArray()) {
                throw fault("added_tokens must be an array");
            }
            for (int i = 0; i < node.size(); i++) {
                JsonNode t = node.get(i);
                String where = "added_tokens[" + i + "]";
                JsonNode id = t.get("id");
                String content = text(t.get("content"));
                if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0
                        || id.intValue() > vocab.size() + node.size()) {
                    throw fault(where + ".id is missing or out of range");
                }
                if (content == null || content.isEmpty()) {
                    throw fault(where + ".content is missing");
                }
                JsonNode sp = t.get("special");
                if (sp == null || !sp.asBoolean()) {
                    throw fault(where + " \"" + content + "\" is not special; Hugging Face would find it inside"
                            + " plain text, which Chorus does not do");
                }
                Integer inVocab = vocab.get(content);
                if (inVocab != null && inVocab != id.intValue()) {
                    throw fault(where + " \"" + content + "\" has id " + id.intValue() + " but model.vocab gives it "
                            + inVocab);
                }
                if (inVocab == null && vocab.containsValue(id.intValue())) {
                    throw fault(where + " \"" + content + "\" has id " + id.intValue()
                            + ", which model.vocab gives to another token");
                }
                if (specials.put(id.intValue(), content) != null) {
                    throw fault("added_tokens has id " + id.intValue() + " twice");
                }
            }
            return specials;
        }

        private BpeMerges readMerges(JsonNode node, Map<String, Integer> vocab) {
            if (node == null || !node.isArray()) {
                throw fault("model.merges must be an array");
            }
            int n = node.size();
            int[] left = new int[n];
            int[] right = new int[n];
            int[] result = new int[n];
            LongIntHashMap seen = new LongIntHashMap(n);
            for (int r = 0; r < n; r++) {
                JsonNode m = node.get(r);
                String a;
                String b;
                if (m.isTextual()) {
                    String s = m.textValue();
                    int space = s.indexOf(' ');
                    if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
                        throw fault("model.merges[" + r + "] \"" + s + "\" is not two tokens separated by one space");
                    }
                    a = s.substring(0, space);
                    b = s.substring(space + 1);
                } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                    a = m.get(0).textValue();
                    b = m.get(1).textValue();
                } else {
                    throw fault("model.merges[" + r + "] = " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
                }
                left[r] = idOf(vocab, a, r);
                right[r] = idOf(vocab, b, r);
                Integer c = vocab.get(a + b);
                if (c == null) {
                    throw fault("model.merges[" + r + "] makes \"" + a + b + "\", which is not in model.vocab");
                }
                result[r] = c;
                long key = LongIntHashMap.pair(left[r], right[r]);
                if (seen.get(key) >= 0) {
                    throw fault("model.merges[" + r + "] repeats merges[" + seen.get(key) + "] (\"" + a + "\" \"" + b + "\")");
                }
                seen.put(key, r);
            }
            return new BpeMerges(left, right, result);
        }

        private int idOf(Map<String, Integer> vocab, String token, int rank) {
            Integer id = vocab.get(token);
            if (id == null) {
                throw fault("model.merges[" + rank + "] names \"" + token + "\", which is not in model.vocab");
            }
            return id;
        }

        private void requireByteLevel(JsonNode node, String field, boolean isPreTokenizer) {
            if (node == null || !node.isObject() || !"ByteLevel".equals(text(node.get("type")))) {
                String found = node == null ? "missing" : node.isObject() && node.has("type")
                        ? "of type " + node.get("type") : abbreviate(node);
                throw fault(field + " is " + found + ", not ByteLevel");
            }
            if (isPreTokenizer) {
                // Hugging Face's defaults when a field is absent: add_prefix_space true, use_regex true.
                JsonNode prefix = node.get("add_prefix_space");
                if (prefix == null || prefix.asBoolean(true)) {
                    throw fault("pre_tokenizer.add_prefix_space is true (or absent, which means true); only false is"
                            + " supported");
                }
                JsonNode regex = node.get("use_regex");
                if (regex != null && !regex.asBoolean(true)) {
                    throw fault("pre_tokenizer.use_regex is false; only the GPT-2 regex split is supported");
                }
            }
        }

        private void requireNull(JsonNode parent, String field) {
            JsonNode v = parent.get(field);
            if (v != null && !v.isNull()) {
                throw fault(field + " is " + abbreviate(v) + "; only null is supported");
            }
        }

        private void requireEmptyOrNull(JsonNode parent, String field) {
            JsonNode v = parent.get(field);
            if (v != null && !v.isNull() && !(v.isTextual() && v.textValue().isEmpty())) {
                throw fault("model." + field + " is " + abbreviate(v) + "; only null is supported");
            }
        }

        private static String abbreviate(JsonNode v) {
            String s = v.toString();
            return s.length() <= 60 ? s : s.substring(0, 57) + "...";
        }
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

}
