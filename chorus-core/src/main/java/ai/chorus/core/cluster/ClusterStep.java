package ai.chorus.core.cluster;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.util.Progress;
import ai.chorus.core.util.SplitMix64;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domain discovery, coarse to fine (docs/METHODS.md §2): fit the vectorizer on the train split, embed every
 * document, k-means the train embeddings into M fine clusters, group the fine clusters into K
 * token-balanced experts, give every document (all splits) its nearest fine cluster and so its
 * expert, and write everything into a clusters directory.
 *
 * <p>The input is re-read three times (fit; embed; top terms for the summary), so memory stays at the
 * dense embeddings — (documents × dims) floats — plus the vectorizer, never the sparse vectors.
 *
 * <p>Writes only after everything has been computed, each file atomically, in this order:
 * {@code vectorizer.safetensors}, {@code centroids.safetensors}, {@code assignments.bin},
 * {@code summary.json} (last, so a complete summary marks a complete set). The same inputs, options and seed give
 * byte-identical files for any thread count.
 */
public final class ClusterStep {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStep.class);
    public static final String SUMMARY_FILE = RunDir.CLUSTER_SUMMARY;
    static final int TOP_TERMS = 12;
    /** Top terms are estimated on a hash-sampled subset of train documents of about this size. */
    static final int TERM_SAMPLE_DOCUMENTS = 200_000;
    /** Per-expert term sums are skipped above this many floats (K × buckets). */
    static final long MAX_TERM_TABLE = 1L << 25;
    private static final int EMBED_BATCH = 4096;
    private static final int EMBED_CHUNK = 64;
    private static final long GROUPING_SEED_SALT = 0x5DEECE66DL;

    private ClusterStep() {}

    /**
     * Runs the step.
     *
     * @param inputs a fresh stream of the same documents, in the same order, on every call
     * @param clustersDir where the files go (created if missing)
     * @throws InvalidInputException for input or options that cannot work, naming the flag to change
     */
    public static ClusterSummary run(Supplier<Stream<ClusterInput>> inputs, Path clustersDir, ClusterOptions options,
                                     Progress progress) throws IOException {
        Files.createDirectories(clustersDir);
        int dims = options.dims();
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(options.buckets(), dims, options.seed());
        long[] perSplit = new long[Split.values().length];
        try (Stream<ClusterInput> docs = inputs.get();
             Progress.Task task = progress.start("cluster: fit vectorizer", -1, "docs")) {
            docs.sequential().forEach(doc -> {
                validate(doc);
                perSplit[doc.split().ordinal()]++;
                if (doc.split() == Split.TRAIN) {
                    fitter.add(doc.text());
                }
                task.advance(1);
            });
        }
        long trainCount = perSplit[Split.TRAIN.ordinal()];
        long heldOutCount = perSplit[Split.VALID.ordinal()] + perSplit[Split.TEST.ordinal()];
        checkSizes(options, trainCount, heldOutCount);

        try (WorkerPool workers = new WorkerPool(options.threads())) {
            HashedTfIdf vectorizer;
            try (Progress.Task task = progress.start("cluster: fit SVD", 1, "steps")) {
                vectorizer = fitter.finish(workers);
                task.advance(1);
            }
            Embedded e = embedAll(inputs, vectorizer, (int) trainCount, (int) heldOutCount, workers, progress);
            long[] byDocIndex = orderByDocIndex(e); // fails fast on duplicate indices
            int m = options.fine();
            KMeans.Result fine = KMeans.fit(e.train.vectors, e.train.size, dims, m, options.maxIterations(),
                    options.seed(), workers, progress);
            int[] heldOutFine = new int[e.heldOut.size];
            Arrays.fill(heldOutFine, -1);
            KMeans.assign(e.heldOut.vectors, KMeans.squaredNorms(e.heldOut.vectors, e.heldOut.size, dims),
                    e.heldOut.size, dims, fine.centroids(), m, heldOutFine, new float[e.heldOut.size], workers);

            long[] fineTokens = new long[m];
            for (int i = 0; i < e.train.size; i++) {
                fineTokens[fine.labels()[i]] += e.train.tokens[i];
            }
            double[] weights = Arrays.stream(fineTokens).asDoubleStream().toArray();
            BalancedGrouping.Result coarse = BalancedGrouping.group(fine.centroids(), m, dims, weights,
                    options.experts(), options.minShare(), options.maxShare(), options.seed() ^ GROUPING_SEED_SALT);
            float[] expertCentroids = coarse.centres();
            for (int k = 0; k < options.experts(); k++) {
                HashedTfIdf.normalise(expertCentroids, k * dims, dims);
            }
            ClusterModel model = new ClusterModel(vectorizer, fine.centroids(), coarse.expertOfFine(), fineTokens,
                    expertCentroids);
            ClusterAssignments assignments = assignments(e, byDocIndex, fine.labels(), heldOutFine,
                    coarse.expertOfFine());
            int[] trainExpert = new int[e.train.size];
            for (int i = 0; i < trainExpert.length; i++) {
                trainExpert[i] = coarse.expertOfFine()[fine.labels()[i]];
            }
            List<List<String>> topTerms = topTerms(inputs, vectorizer, fitter, trainExpert, options, progress);
            ClusterSummary summary = summarise(e, fine, trainExpert, heldOutFine, coarse.expertOfFine(), topTerms,
                    options);
            // nothing is written until everything succeeded, so a failed run leaves the old files intact
            vectorizer.write(clustersDir);
            model.write(clustersDir);
            assignments.write(clustersDir);
            AtomicFiles.writeString(clustersDir.resolve(SUMMARY_FILE), summary.toJson());
            LOG.info("clustered {} train + {} held-out documents into {} fine clusters and {} experts in {}",
                    e.train.size, e.heldOut.size, m, options.experts(), clustersDir);
            return summary;
        }
    }

    private static void validate(ClusterInput doc) {
        if (doc == null) {
            throw new InvalidInputException("the document stream yielded a null document; check the document index");
        }
        String where = "document " + doc.docIndex();
        if (doc.docIndex() < 0) {
            throw new InvalidInputException(where + " has a negative index; check the document index");
        }
        if (doc.split() == null || doc.text() == null) {
            throw new InvalidInputException(where + " has no split or no text; re-run `chorus prepare`");
        }
        if (doc.tokens() < 0) {
            throw new InvalidInputException(where + " has a negative token count (" + doc.tokens()
                    + "); re-run `chorus prepare`");
        }
    }

    private static void checkSizes(ClusterOptions options, long train, long heldOut) {
        if (train == 0) {
            throw new InvalidInputException("there are no train documents to cluster; run `chorus prepare` on a"
                    + " corpus with a train split first");
        }
        if (options.fine() > train) {
            throw new InvalidInputException("--fine " + options.fine() + " exceeds the " + train
                    + " train documents; lower --fine (and --experts if needed) or use a larger corpus");
        }
        long floats = (train + heldOut) * options.dims();
        if (train * options.dims() > Integer.MAX_VALUE - 16 || heldOut * options.dims() > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(String.format(Locale.ROOT,
                    "%d documents × %d dims do not fit in one Java array; lower the embedding dims or cluster a sample",
                    train + heldOut, options.dims()));
        }
        int width = HashedTfIdf.sketchWidthFor(options.dims());
        long needed = floats * Float.BYTES + 48L * (train + heldOut) + 2L * options.buckets() * 48
                + 2L * HashedTfIdf.SAMPLE_DOCUMENTS * width * Float.BYTES + (long) width * width * Float.BYTES;
        if (needed > Runtime.getRuntime().maxMemory()) {
            throw outOfMemory(train + heldOut, needed);
        }
    }

    private static InvalidInputException outOfMemory(long documents, long needed) {
        return new InvalidInputException(String.format(Locale.ROOT,
                "clustering %d documents needs about %.2f GiB of heap for their embeddings but the JVM may use only"
                        + " %.2f GiB; raise the heap (-Xmx in JAVA_OPTS) or lower the embedding dims",
                documents, needed / 1073741824.0, Runtime.getRuntime().maxMemory() / 1073741824.0));
    }

    /** The dense embeddings of one side (train or held-out) plus what the summary needs per document. */
    static final class Side {
        final int size;
        final float[] vectors;
        final int[] docIndex;
        final long[] tokens;
        final byte[] split;
        final int[] label;
        int filled;

        Side(int size, int dims) {
            this.size = size;
            this.vectors = new float[size * dims];
            this.docIndex = new int[size];
            this.tokens = new long[size];
            this.split = new byte[size];
            this.label = new int[size];
        }
    }

    record Embedded(Side train, Side heldOut, List<String> labelNames) {}

    private static Embedded embedAll(Supplier<Stream<ClusterInput>> inputs, HashedTfIdf vectorizer, int trainCount,
                                     int heldOutCount, WorkerPool workers, Progress progress) {
        int dims = vectorizer.dims();
        Side train;
        Side heldOut;
        try {
            train = new Side(trainCount, dims);
            heldOut = new Side(heldOutCount, dims);
        } catch (OutOfMemoryError e) { // one huge allocation failing leaves the heap usable: say what to do
            throw new InvalidInputException(String.format(Locale.ROOT, "could not allocate the %.2f GiB embedding"
                    + " matrix of %d documents in one piece (heap limit %.2f GiB; with -XX:+UseParallelGC it must fit"
                    + " the old generation); raise -Xmx in JAVA_OPTS or lower the embedding dims",
                    (double) trainCount * dims * Float.BYTES / 1073741824.0, trainCount + heldOutCount,
                    Runtime.getRuntime().maxMemory() / 1073741824.0));
        }
        Map<String, Integer> labelIds = new LinkedHashMap<>();
        HashedTfIdf.Embedder[] embedders = new HashedTfIdf.Embedder[workers.threads()];
        float[][] rows = new float[workers.threads()][EMBED_CHUNK * dims];
        for (int w = 0; w < embedders.length; w++) {
            embedders[w] = vectorizer.embedder();
        }
        String[] texts = new String[EMBED_BATCH];
        float[][] targets = new float[EMBED_BATCH][];
        int[] offsets = new int[EMBED_BATCH];
        int[] pending = {0};
        Runnable flush = () -> {
            int n = pending[0];
            workers.run((n + EMBED_CHUNK - 1) / EMBED_CHUNK, (c, worker) -> {
                int from = c * EMBED_CHUNK;
                int count = Math.min(n, from + EMBED_CHUNK) - from;
                float[] chunk = rows[worker];
                embedders[worker].embedAll(Arrays.copyOfRange(texts, from, from + count), count, chunk);
                for (int i = 0; i < count; i++) {
                    System.arraycopy(chunk, i * dims, targets[from + i], offsets[from + i], dims);
                }
            });
            Arrays.fill(texts, 0, n, null);
            pending[0] = 0;
        };
        try (Stream<ClusterInput> docs = inputs.get();
             Progress.Task task = progress.start("cluster: embed", (long) trainCount + heldOutCount, "docs")) {
            docs.sequential().forEach(doc -> {
                validate(doc);
                Side side = doc.split() == Split.TRAIN ? train : heldOut;
                if (side.filled == side.size) {
                    throw changedBetweenPasses();
                }
                int row = side.filled++;
                side.docIndex[row] = doc.docIndex();
                side.tokens[row] = doc.tokens();
                side.split[row] = (byte) doc.split().ordinal();
                side.label[row] = doc.label() == null ? -1 : labelIds.computeIfAbsent(doc.label(), l -> labelIds.size());
                int p = pending[0]++;
                texts[p] = doc.text();
                targets[p] = side.vectors;
                offsets[p] = row * dims;
                if (pending[0] == EMBED_BATCH) {
                    flush.run();
                }
                task.advance(1);
            });
            flush.run();
        }
        if (train.filled != train.size || heldOut.filled != heldOut.size) {
            throw changedBetweenPasses();
        }
        return new Embedded(train, heldOut, new ArrayList<>(labelIds.keySet()));
    }

    private static InvalidInputException changedBetweenPasses() {
        return new InvalidInputException("the documents changed between two reads of the input; clustering reads"
                + " its input several times, so the document index must not change while `chorus cluster` runs");
    }

    /** Rows of train then held-out, sorted by doc index: {@code docIndex << 32 | row}. */
    private static long[] orderByDocIndex(Embedded e) {
        int n = e.train.size + e.heldOut.size;
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            int doc = i < e.train.size ? e.train.docIndex[i] : e.heldOut.docIndex[i - e.train.size];
            order[i] = (long) doc << 32 | i;
        }
        Arrays.sort(order);
        for (int r = 1; r < n; r++) {
            if (order[r] >>> 32 == order[r - 1] >>> 32) {
                throw new InvalidInputException("document index " + (order[r] >>> 32) + " occurs twice in the"
                        + " input; every document needs its own index, re-run `chorus prepare`");
            }
        }
        return order;
    }

    private static ClusterAssignments assignments(Embedded e, long[] order, int[] trainFine, int[] heldOutFine,
                                                  int[] expertOfFine) {
        int n = order.length;
        int[] docIndex = new int[n];
        byte[] split = new byte[n];
        int[] fine = new int[n];
        int[] expert = new int[n];
        for (int r = 0; r < n; r++) {
            int i = (int) order[r];
            boolean isTrain = i < e.train.size;
            Side side = isTrain ? e.train : e.heldOut;
            int row = isTrain ? i : i - e.train.size;
            docIndex[r] = side.docIndex[row];
            split[r] = side.split[row];
            fine[r] = isTrain ? trainFine[row] : heldOutFine[row];
            expert[r] = expertOfFine[fine[r]];
        }
        return new ClusterAssignments(docIndex, split, fine, expert);
    }

    /**
     * A third pass over a hash-sampled subset of the train documents: per expert, the buckets whose
     * mean TF-IDF weight most exceeds the corpus mean, shown as their majority surface term.
     */
    private static List<List<String>> topTerms(Supplier<Stream<ClusterInput>> inputs, HashedTfIdf vectorizer,
                                               HashedTfIdf.Fitter fitter, int[] trainExpert, ClusterOptions options,
                                               Progress progress) {
        int k = options.experts();
        int buckets = vectorizer.buckets();
        List<List<String>> result = new ArrayList<>();
        if ((long) k * buckets > MAX_TERM_TABLE) {
            LOG.info("skipping top terms: {} experts × {} buckets is too large a table", k, buckets);
            for (int e = 0; e < k; e++) {
                result.add(List.of());
            }
            return result;
        }
        double sampleRate = Math.min(1.0, (double) TERM_SAMPLE_DOCUMENTS / trainExpert.length);
        float[] sums = new float[k * buckets];
        float[] all = new float[buckets];
        long[] sampled = new long[k];
        HashedTfIdf.Embedder embedder = vectorizer.embedder();
        int[] trainRow = {0};
        try (Stream<ClusterInput> docs = inputs.get();
             Progress.Task task = progress.start("cluster: top terms", trainExpert.length, "docs")) {
            docs.sequential().forEach(doc -> {
                if (doc.split() != Split.TRAIN) {
                    return;
                }
                int row = trainRow[0]++;
                if (row >= trainExpert.length) {
                    throw changedBetweenPasses();
                }
                task.advance(1);
                if (sampleRate < 1 && unitHash(doc.docIndex(), options.seed()) >= sampleRate) {
                    return;
                }
                int e = trainExpert[row];
                sampled[e]++;
                int n = embedder.tfIdf(doc.text());
                for (int i = 0; i < n; i++) {
                    int b = embedder.bucket(i);
                    sums[e * buckets + b] += embedder.weight(i);
                    all[b] += embedder.weight(i);
                }
            });
        }
        long total = Arrays.stream(sampled).sum();
        for (int e = 0; e < k; e++) {
            PriorityQueue<double[]> best = new PriorityQueue<>(
                    Comparator.<double[]>comparingDouble(x -> x[0]).thenComparingDouble(x -> -x[1]));
            if (sampled[e] > 0) {
                for (int b = 0; b < buckets; b++) {
                    double score = sums[e * buckets + b] / (double) sampled[e] - all[b] / (double) total;
                    if (score > 0 && fitter.surfaceTerm(b) != null) {
                        best.add(new double[] {score, b});
                        if (best.size() > TOP_TERMS) {
                            best.poll();
                        }
                    }
                }
            }
            List<double[]> sorted = new ArrayList<>(best);
            sorted.sort(Comparator.<double[]>comparingDouble(x -> -x[0]).thenComparingDouble(x -> x[1]));
            List<String> terms = new ArrayList<>();
            for (double[] s : sorted) {
                terms.add(fitter.surfaceTerm((int) s[1]));
            }
            result.add(terms);
        }
        return result;
    }

    /** A deterministic pseudo-random number in [0, 1) for a document. */
    private static double unitHash(int docIndex, long seed) {
        return (SplitMix64.mix(seed * 31 + docIndex) >>> 11) * 0x1.0p-53;
    }

    private static ClusterSummary summarise(Embedded e, KMeans.Result fine, int[] trainExpert, int[] heldOutFine,
                                            int[] expertOfFine, List<List<String>> topTerms, ClusterOptions options) {
        int k = options.experts();
        long[] documents = new long[k];
        long[] heldOut = new long[k];
        long[] tokens = new long[k];
        int[] fineCount = new int[k];
        for (int f : expertOfFine) {
            fineCount[f]++;
        }
        long totalTokens = 0;
        for (int i = 0; i < e.train.size; i++) {
            documents[trainExpert[i]]++;
            tokens[trainExpert[i]] += e.train.tokens[i];
            totalTokens += e.train.tokens[i];
        }
        int[] heldOutExpert = new int[e.heldOut.size];
        for (int i = 0; i < heldOutExpert.length; i++) {
            heldOutExpert[i] = expertOfFine[heldOutFine[i]];
            heldOut[heldOutExpert[i]]++;
        }
        List<String> labelNames = e.labelNames();
        int labelled = 0;
        for (Side side : List.of(e.train, e.heldOut)) {
            for (int i = 0; i < side.size; i++) {
                if (side.label[i] >= 0) {
                    labelled++;
                }
            }
        }
        int[] labelledExpert = new int[labelled];
        int[] labelledLabel = new int[labelled];
        long[][] mix = new long[k][labelNames.size()];
        int at = 0;
        for (int s = 0; s < 2; s++) {
            Side side = s == 0 ? e.train : e.heldOut;
            int[] experts = s == 0 ? trainExpert : heldOutExpert;
            for (int i = 0; i < side.size; i++) {
                if (side.label[i] >= 0) {
                    labelledExpert[at] = experts[i];
                    labelledLabel[at] = side.label[i];
                    mix[experts[i]][side.label[i]]++;
                    at++;
                }
            }
        }
        List<ClusterSummary.Expert> experts = new ArrayList<>();
        for (int x = 0; x < k; x++) {
            Map<String, Long> labels = null;
            if (labelled > 0) {
                long[] row = mix[x];
                Integer[] order = new Integer[row.length];
                for (int j = 0; j < order.length; j++) {
                    order[j] = j;
                }
                Arrays.sort(order, Comparator.<Integer>comparingLong(j -> -row[j]).thenComparing(labelNames::get));
                labels = new LinkedHashMap<>();
                for (int j : order) {
                    if (row[j] > 0) {
                        labels.put(labelNames.get(j), row[j]);
                    }
                }
            }
            double share = totalTokens > 0 ? (double) tokens[x] / totalTokens : 0;
            experts.add(new ClusterSummary.Expert(x, fineCount[x], documents[x], heldOut[x], tokens[x], share,
                    topTerms.get(x), labels));
        }
        Double nmi = labelled > 0 ? ClusterMetrics.nmi(labelledExpert, labelledLabel) : null;
        Double purity = labelled > 0 ? ClusterMetrics.purity(labelledExpert, labelledLabel) : null;
        return new ClusterSummary(experts, nmi, purity, labelled, options.fine(), options.seed(), options.minShare(),
                options.maxShare(), e.train.size, e.heldOut.size, totalTokens, options.dims(), fine.inertia(),
                fine.iterations(), fine.converged());
    }

}
