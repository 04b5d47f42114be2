package ai.chorus.core.tokenizer;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes the input of {@code tools/check_tokenizer.py}: a tokenizer.json trained on Europarl's train
 * split and a JSONL of {@code {"kind": …, "text": …, "ids": […]}} lines: our ids for held-out
 * documents ("europarl") and synthetic strings of every Unicode kind ("synthetic"), which Hugging Face
 * {@code tokenizers} must encode to the same ids and decode back; and random id sequences with our
 * decoding ("decode", broken UTF-8 included), which it must decode to the same text.
 *
 * <pre>
 * java -cp CLASSPATH ai.chorus.core.tokenizer.TokenizerParityDump OUT_DIR [DOCS=1000] [SYNTHETIC=500] [VOCAB=8192]
 * </pre>
 *
 * writes OUT_DIR/tokenizer.json and OUT_DIR/parity.jsonl (an existing tokenizer.json is reused).
 */
public final class TokenizerParityDump {
    private TokenizerParityDump() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TokenizerParityDump OUT_DIR [DOCS=1000] [SYNTHETIC=500] [VOCAB=8192]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int docs = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int synthetic = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int vocab = args.length > 3 ? Integer.parseInt(args[3]) : BpeTrainer.DEFAULT_VOCAB_SIZE;
        Path tokenizerJson = out.resolve("tokenizer.json");
        BpeTokenizer tokenizer;
        if (Files.exists(tokenizerJson)) {
            tokenizer = BpeTokenizer.load(tokenizerJson);
        } else {
            tokenizer = new BpeTrainer(vocab).train(EuroparlTexts.of(Split.TRAIN).stream(), Progress.NONE);
            tokenizer.save(tokenizerJson);
        }
        List<String> texts = new ArrayList<>();
        List<String> heldOut = new ArrayList<>(EuroparlTexts.of(Split.VALID));
        heldOut.addAll(EuroparlTexts.of(Split.TEST));
        texts.addAll(heldOut.subList(0, Math.min(docs, heldOut.size())));
        int realDocs = texts.size();
        Random random = new Random(42);
        for (int i = 0; i < synthetic; i++) {
            texts.add(randomUnicode(random, 1 + random.nextInt(80)));
        }
        int randomIdLines = 300;
        ObjectMapper mapper = new ObjectMapper();
        AtomicFiles.write(out.resolve("parity.jsonl"), stream -> {
            try (JsonGenerator g = mapper.getFactory().createGenerator(stream)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.setRootValueSeparator(null);
                for (int i = 0; i < texts.size(); i++) {
                    g.writeStartObject();
                    g.writeStringField("kind", i < realDocs ? "europarl" : "synthetic");
                    g.writeStringField("text", texts.get(i));
                    g.writeArrayFieldStart("ids");
                    for (int id : tokenizer.encode(texts.get(i))) {
                        g.writeNumber(id);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                    g.writeRaw('\n');
                }
                // Decoding arbitrary ids, mostly single bytes, so that UTF-8 sequences break.
                // Byte tokens have id = byte value; first the cases where decoders are known to differ.
                int[][] edgeCases = {{0xED, 0xA0, 0x80}, {0xF0, 0x80, 0x80, 0x80}, {0xE2, 0x82}, {0xE2, 0x82, 'A'},
                    {0xF4, 0x90, 0x80, 0x80}, {0xC0, 0xAF}, {0xF0, 0x9F, 0x98}, {0xFF, 0xFE}, {0xE0, 0x80, 0x80}};
                for (int i = 0; i < edgeCases.length + randomIdLines; i++) {
                    int[] ids = i < edgeCases.length ? edgeCases[i] : new int[1 + random.nextInt(12)];
                    for (int k = 0; i >= edgeCases.length && k < ids.length; k++) {
                        ids[k] = random.nextInt(4) == 0 ? random.nextInt(tokenizer.vocabSize()) : 0x80 + random.nextInt(128);
                    }
                    g.writeStartObject();
                    g.writeStringField("kind", "decode");
                    g.writeStringField("text", tokenizer.decode(ids));
                    g.writeArrayFieldStart("ids");
                    for (int id : ids) {
                        g.writeNumber(id);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                    g.writeRaw('\n');
                }
            }
        });
        System.out.println("wrote " + tokenizerJson + " (" + tokenizer.vocabSize() + " tokens) and "
                + out.resolve("parity.jsonl") + " (" + realDocs + " Europarl documents, " + synthetic + " synthetic texts, " + randomIdLines + " random id sequences to decode)");
    }

    /** Mixed-script text with every kind of space, marks, controls, emoji; valid Unicode only. */
    static String randomUnicode(Random random, int codePoints) {
        int[][] ranges = {
            {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0x00, 0x1F}, {0x7F, 0xA0}, {0xA0, 0x24F}, {0x300, 0x36F},
            {0x370, 0x52F}, {0x600, 0x6FF}, {0x900, 0x97F}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x3040, 0x30FF},
            {0x1F300, 0x1FAFF}, {0x1F3FB, 0x1F3FF}, {0x200B, 0x200D}, {0x2000, 0x200A}, {0x2028, 0x2029},
            {0x20000, 0x2A6DF}, {0x1D400, 0x1D7FF}, {0xE000, 0xE0FF}, {0, 0x10FFFF},
        };
        String contractions = "'s't're've'm'll'd ";
        StringBuilder sb = new StringBuilder();
        while (sb.codePointCount(0, sb.length()) < codePoints) {
            if (random.nextInt(6) == 0) {
                sb.append(contractions.charAt(random.nextInt(contractions.length())));
                continue;
            }
            int[] r = ranges[random.nextInt(ranges.length)];
            int cp = r[0] + random.nextInt(r[1] - r[0] + 1);
            if (cp < 0xD800 || cp > 0xDFFF) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }
}
