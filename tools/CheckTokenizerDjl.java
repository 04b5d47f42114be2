import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The Java twin of check_tokenizer.py: encodes every text of parity.jsonl with Hugging Face's Rust
 * `tokenizers` (through DJL's JNI binding, which bundles it; DJL truncates to 512 ids unless told not to) and compares with the ids Chorus wrote.
 * Run it with tools/check_tokenizer_djl.sh, which fetches DJL from Maven Central.
 */
public class CheckTokenizerDjl {
    public static void main(String[] args) throws Exception {
        Path tokenizerJson = Path.of(args[0]);
        Path parity = Path.of(args[1]);
        int passed = 0;
        int failed = 0;
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "100000000"));
             BufferedReader in = Files.newBufferedReader(parity, StandardCharsets.UTF_8)) {
            int line = 0;
            for (String s = in.readLine(); s != null; s = in.readLine()) {
                line++;
                JsonObject o = JsonParser.parseString(s).getAsJsonObject();
                String text = o.get("text").getAsString();
                JsonArray idsJson = o.getAsJsonArray("ids");
                long[] ours = new long[idsJson.size()];
                for (int i = 0; i < ours.length; i++) {
                    ours[i] = idsJson.get(i).getAsLong();
                }
                boolean decodeOnly = "decode".equals(o.get("kind").getAsString());
                long[] theirs = decodeOnly ? ours : hf.encode(text, false, false).getIds();
                String decoded = hf.decode(ours, false);
                if (Arrays.equals(ours, theirs) && decoded.equals(text)) {
                    passed++;
                } else {
                    failed++;
                    if (failed <= 10) {
                        int at = 0;
                        while (at < Math.min(ours.length, theirs.length) && ours[at] == theirs[at]) {
                            at++;
                        }
                        System.out.println("line " + line + " (" + o.get("kind").getAsString() + "): ids differ at "
                                + at + " of " + ours.length + "/" + theirs.length + "; ours "
                                + Arrays.toString(Arrays.copyOfRange(ours, at, Math.min(ours.length, at + 5)))
                                + " theirs " + Arrays.toString(Arrays.copyOfRange(theirs, at, Math.min(theirs.length, at + 5)))
                                + "; decode round trip " + decoded.equals(text));
                    }
                }
            }
        }
        System.out.println("tokenizers (Rust, via DJL): " + passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
