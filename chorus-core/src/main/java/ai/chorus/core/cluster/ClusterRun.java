package ai.chorus.core.cluster;

import ai.chorus.core.data.DocumentRecord;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.JobLocks;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.RunInputs;
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
import java.util.ArrayList;
import java.util.List;
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

    /**
     * What to run.
     *
     * @param clustering what {@link ClusterStep} is asked to do
     * @param force replace an existing clustering (experts trained on it then no longer match it)
     */
    public record Options(ClusterOptions clustering, boolean force) {}

    private ClusterRun() {}

    public static ClusterSummary run(RunDir run, Options asked, Progress progress) throws IOException {
        ClusterOptions options = asked.clustering();
        run.requirePrepared();
        Path target = run.clustersDir();
        if (run.isClustered() && !asked.force()) {
            throw new InvalidInputException("run " + run + " is already clustered; pass --force to re-cluster "
                    + "(experts trained on the old clusters then no longer match them)");
        }
        // run.json is read (and checked) before the clustering runs, not after it.
        RunSpec spec = RunSpec.read(run);
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        RunFingerprints fingerprints = RunFingerprints.of(run);
        RunFingerprints.requireTokenizerMatchesData(run, tokenizer.vocabSize(), data.meta().vocabSize());
        RunInputs consumed = fingerprints.record(false, false);
        if (options.experts() > data.documentCount()) {
            throw new InvalidInputException("--experts " + options.experts() + " is more than the run's "
                    + data.documentCount() + " documents; choose fewer experts");
        }
        Supplier<Stream<ClusterInput>> inputs = () -> IntStream.range(0, data.documentCount()).mapToObj(i -> {
            DocumentRecord d = data.document(i);
            return new ClusterInput(i, d.split(), data.label(d), tokenizer.decode(data.tokens(d)), d.length());
        });

        try (JobLocks locks = JobLocks.acquireAll(run, "cluster --force")) {
            return cluster(run, options, progress, spec, target, inputs, fingerprints, consumed);
        }
    }

    private static ClusterSummary cluster(RunDir run, ClusterOptions options, Progress progress, RunSpec spec,
                                          Path target, Supplier<Stream<ClusterInput>> inputs,
                                          RunFingerprints fingerprints, RunInputs consumed) throws IOException {
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

            ObjectNode s = spec.section(SECTION);
            s.put("experts", options.experts());
            s.put("fine", options.fine());
            s.put("seed", options.seed());
            s.put("min_share", options.minShare());
            s.put("max_share", options.maxShare());
            s.put("dims", options.dims());
            s.put("buckets", options.buckets());
            followExpertCount(spec, options.experts());
            spec.write(run.runJson());
            return summary;
        } finally {
            FileTrees.delete(stage);
        }
    }

    /**
     * The train section's expert count follows the clustering (a re-cluster with another K would otherwise leave
     * a plan that refuses to build); per-expert widths for experts that no longer exist are dropped.
     */
    private static void followExpertCount(RunSpec spec, int experts) {
        if (!(spec.root().get("train") instanceof ObjectNode train)) {
            return;
        }
        train.put("experts", experts);
        if (train.get("expert_intermediate_size") instanceof ObjectNode widths) {
            List<String> gone = new ArrayList<>();
            widths.fieldNames().forEachRemaining(name -> {
                try {
                    if (Integer.parseInt(name) >= experts) {
                        gone.add(name);
                    }
                } catch (NumberFormatException e) {
                    // left for the train step to refuse with its own message
                }
            });
            widths.remove(gone);
        }
    }
}
