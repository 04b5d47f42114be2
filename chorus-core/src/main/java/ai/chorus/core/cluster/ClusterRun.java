package ai.chorus.core.cluster;

import ai.chorus.core.data.DocumentRecord;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.FileTrees;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code chorus cluster} on a run directory: feeds the prepared documents to {@link ClusterStep}
 * and installs {@code clusters/} atomically.
 *
 * <p>The text of each document is recovered from its tokens (byte-level BPE decodes losslessly),
 * so the run needs no second copy of the corpus. The step writes into a staging directory that
 * replaces {@code clusters/} only when everything succeeded; a refusal leaves the run as it was.
 */
public final class ClusterRun {
    public static final String SECTION = "cluster";

    private ClusterRun() {}

    public static ClusterSummary run(RunDir run, ClusterOptions options, boolean force, Progress progress)
            throws IOException {
        run.requirePrepared();
        Path target = run.clustersDir();
        if (Files.exists(target.resolve("assignments.bin")) && !force) {
            throw new InvalidInputException("run " + run + " is already clustered; pass --force to re-cluster "
                    + "(experts trained on the old clusters then no longer match them)");
        }
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        RunFingerprints fingerprints = RunFingerprints.of(run);
        RunFingerprints.requireTokenizerMatchesData(run, tokenizer.vocabSize(), data.meta().vocabSize());
        ObjectNode consumed = fingerprints.record(false, false);
        if (options.experts() > data.documentCount()) {
            throw new InvalidInputException("--experts " + options.experts() + " is more than the run's "
                    + data.documentCount() + " documents; choose fewer experts");
        }
        Supplier<Stream<ClusterInput>> inputs = () -> IntStream.range(0, data.documentCount()).mapToObj(i -> {
            DocumentRecord d = data.document(i);
            return new ClusterInput(i, d.split(), data.label(d), tokenizer.decode(data.tokens(d)), d.length());
        });

        Path stage = Files.createTempDirectory(run.root(), ".clusters-");
        AtomicFiles.relaxPermissions(stage);
        try {
            ClusterSummary summary = ClusterStep.run(inputs, stage, options, progress);
            fingerprints.recordClustering(stage, consumed);
            Path old = run.root().resolve(".clusters-old");
            FileTrees.delete(old);
            if (Files.exists(target)) {
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.delete(old);

            RunSpec spec = RunSpec.read(run);
            ObjectNode s = spec.section(SECTION);
            s.put("experts", options.experts());
            s.put("fine", options.fine());
            s.put("seed", options.seed());
            s.put("min_share", options.minShare());
            s.put("max_share", options.maxShare());
            s.put("dims", options.dims());
            s.put("buckets", options.buckets());
            spec.write(run.runJson());
            return summary;
        } finally {
            FileTrees.delete(stage);
        }
    }
}
