package ai.chorus.cli;

import ai.chorus.core.corpus.SplitRatios;
import ai.chorus.core.prepare.PrepareOptions;
import ai.chorus.core.prepare.PrepareResult;
import ai.chorus.core.prepare.PrepareStep;
import ai.chorus.engine.InvalidInputException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Read a corpus, train the byte-level BPE tokenizer and write token shards.",
            "Writes run.json, tokenizer.json and data/ (token shards + document index).",
            "Example: chorus prepare --run runs/demo --corpus europarl"})
final class PrepareCommand extends RunCommand {
    /**
     * Every flag of prepare, shared with {@code chorus demo} (which prepares a new run with them); only
     * --vocab's default differs, so each command gives its own.
     */
    static final class PrepareFlags {
        @Option(names = "--corpus", defaultValue = "europarl", paramLabel = "europarl|PATH",
                description = "'europarl' (built in), a directory of .txt/.md files, a .txt/.md file, "
                        + "or a .jsonl / .jsonl.gz file (default: ${DEFAULT-VALUE}).")
        String corpus;

        @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME",
                description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
        String textField;

        @Option(names = "--label-field", paramLabel = "NAME",
                description = "JSONL field holding a label, kept for analysis only (never used for training).")
        String labelField;

        @Option(names = "--vocab", paramLabel = "N",
                description = "Tokenizer vocabulary size, including 256 byte tokens and <|endoftext|> (default: 8192;"
                        + " 4096 for demo).")
        Integer vocab;

        @Option(names = "--split", defaultValue = "90/5/5", paramLabel = "TRAIN/VALID/TEST",
                description = "Split fractions, derived from each document's content hash (default: ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--tokenizer-sample-mb", defaultValue = "64", paramLabel = "MB",
                description = "Train the tokenizer on a uniform sample of at most this much train text (default: ${DEFAULT-VALUE}).")
        long sampleMb;

        @Option(names = "--force", description = "Replace an existing prepared run (drops its clusters, models and eval).")
        boolean force;

        PrepareOptions options(int defaultVocab) {
            if (sampleMb <= 0) {
                throw new InvalidInputException("--tokenizer-sample-mb must be positive, got " + sampleMb);
            }
            return new PrepareOptions(corpus, textField, labelField, SplitRatios.parse(split),
                    vocab != null ? vocab : defaultVocab, sampleMb << 20, force);
        }
    }

    @Mixin
    PrepareFlags flags;

    /** The --json object. */
    record Json(String run, long documents, long tokens, int vocabSize, double bytesPerToken,
                Map<String, Long> documentsPerSplit, Map<String, Long> tokensPerSplit, long duplicatesDropped,
                int labels, double tokenizerSeconds, double seconds) {}

    @Override
    void run() throws Exception {
        PrepareResult r = PrepareStep.run(runDir(), flags.options(PrepareOptions.DEFAULT_VOCAB),
                ConsoleProgress.detect());
        output.line(String.format("Prepared %s in %.1f s", r.runDir(), r.seconds()));
        output.line(String.format("  documents  %,d  (train %,d · valid %,d · test %,d)%s", r.documents(),
                r.documentsPerSplit().get("train"), r.documentsPerSplit().get("valid"),
                r.documentsPerSplit().get("test"),
                r.duplicatesDropped() > 0 ? String.format(", %,d duplicates dropped", r.duplicatesDropped()) : ""));
        output.line(String.format("  tokens     %,d  (train %,d · valid %,d · test %,d)", r.tokens(),
                r.tokensPerSplit().get("train"), r.tokensPerSplit().get("valid"), r.tokensPerSplit().get("test")));
        output.line(String.format("  vocab      %,d  (%.2f bytes/token; tokenizer trained in %.1f s)",
                r.vocabSize(), r.bytesPerToken(), r.tokenizerSeconds()));
        if (r.labels() > 0) {
            output.line(String.format("  labels     %d distinct", r.labels()));
        }
        output.line("  wrote      run.json, tokenizer.json, data/");
        output.result(new Json(r.runDir().toString(), r.documents(), r.tokens(), r.vocabSize(), r.bytesPerToken(),
                r.documentsPerSplit(), r.tokensPerSplit(), r.duplicatesDropped(), r.labels(), r.tokenizerSeconds(),
                r.seconds()));
    }
}
