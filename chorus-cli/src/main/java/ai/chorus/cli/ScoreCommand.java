package ai.chorus.cli;

import ai.chorus.core.generate.TextScorer;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score a text under one model folder: its tokens, the log-probability of each token given",
            "all the tokens before it, and the perplexity over those.",
            "logprobs[i-1] = log p(tokens[i] | tokens[0..i-1]) (natural log); the first token is only context",
            "unless --bos puts <|endoftext|> before it. A text longer than the model's context",
            "(max_position_embeddings + 1 tokens) is refused, not scored in windows.",
            "Example: chorus score --model runs/demo/experts/e00 --text \"The Commission welcomes the report.\""})
final class ScoreCommand extends ChorusCommand {
    @Mixin
    ModelOptions model;

    static final class Source {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to score.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", description = "Score this UTF-8 file's text.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--bos", description = "Put <|endoftext|> (the document separator every training document "
            + "follows) before the text, so its first token is scored too.")
    boolean bos;

    /** The --json object. */
    record Json(String model, int[] tokens, List<String> pieces, double[] logprobs, double sumLogprob,
                int scoredTokens, double perplexity, boolean bos) {}

    @Override
    void run() throws Exception {
        int threads = model.threads.count();
        String text = source.text != null ? source.text : readUtf8(source.file);
        try (TextScorer scorer = TextScorer.open(model.model, model.tokenizer, threads)) {
            TextScorer.Score s = scorer.score(text, bos);
            BpeTokenizer tok = scorer.tokenizer();
            int[] ids = s.tokens();
            List<String> pieces = new ArrayList<>(ids.length);
            for (int id : ids) {
                pieces.add(tok.decode(new int[] {id}));
            }
            output.line(String.format("%6s %8s  %-24s %10s", "#", "id", "token", "logprob"));
            for (int i = 0; i < ids.length; i++) {
                output.line(String.format("%6d %8d  %-24s %10s", i, ids[i], quote(pieces.get(i)),
                        i == 0 ? "-" : String.format("%.4f", s.logProbs()[i - 1])));
            }
            output.line(String.format("%d tokens, %d scored: sum of logprobs %.4f, perplexity %.4f", ids.length,
                    s.logProbs().length, s.sum(), s.perplexity()));
            output.result(new Json(model.model.toString(), ids, pieces, s.logProbs(), s.sum(), s.logProbs().length,
                    s.perplexity(), bos));
        }
    }

    /** The piece in double quotes with control characters escaped, so whitespace tokens stay visible. */
    static String quote(String piece) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("--file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidInputException("--file " + file + " cannot be read: " + e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("--file " + file + " is not valid UTF-8 (" + e.getMessage()
                    + "); convert it to UTF-8 first");
        }
    }
}
