package ai.chorus.core.cluster;

import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.EuroparlCorpus;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.corpus.SplitRatios;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.parallel.WorkerPool;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Benchmarks and reports for docs/perf/cluster.md (test scope; run with the test class path, see
 * tools/cluster_bench.sh). Modes:
 * <ul>
 *   <li>{@code full N TOPICS K FINE [MAX_ITER]} — the whole step on N generated documents: wall time per phase, peak heap;
 *   <li>{@code export CORPUS OUT.f32} — embed the train documents of {@code europarl} or {@code synthetic:N}
 *       and write them as raw LE float32 rows, for tools/kmeans_sklearn.py;
 *   <li>{@code kmeans VECTORS.f32 DIMS K MAX_ITER THREADS SEED...} — time our k-means on exported vectors;
 *   <li>{@code europarl K...} — cluster Europarl and print which languages share an expert.
 * </ul>
 */
public final class ClusterBench {
    private ClusterBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "full" -> full(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 100);
            case "export" -> export(args[1], Path.of(args[2]));
            case "kmeans" -> kmeans(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    Arrays.stream(args, 6, args.length).mapToLong(Long::parseLong).toArray());
            case "gen" -> {
                long start = System.nanoTime();
                long chars = new SyntheticCorpus(Integer.parseInt(args[1]), 8, 8, 40, 0.5, 1).inputs().get()
                        .mapToLong(d -> d.text().length()).sum();
                System.out.printf(Locale.ROOT, "generated %s docs, %,d chars in %.2f s%n", args[1], chars,
                        (System.nanoTime() - start) / 1e9);
            }
            case "languages" -> System.out.println(new java.util.TreeMap<>(europarlInputs().get().collect(
                    Collectors.groupingBy(ClusterInput::label, Collectors.counting()))));
            case "europarl" -> europarl(Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray());
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /** Prints each phase's wall time to stderr. */
    static final Progress TIMED = (what, total, unit) -> {
        long start = System.nanoTime();
        long[] count = {0};
        return new Progress.Task() {
            @Override
            public void advance(long n) {
                count[0] += n;
            }

            @Override
            public void status(String text) {}

            @Override
            public void close() {
                System.err.printf(Locale.ROOT, "  %-28s %8.2f s  %,d %s%n", what, (System.nanoTime() - start) / 1e9,
                        count[0], unit);
            }
        };
    };

    static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    private static void full(int n, int topics, int k, int fine, int maxIterations) throws Exception {
        SyntheticCorpus corpus = new SyntheticCorpus(n, topics, 8, 40, 0.5, 1); // "short": 8-40 words
        Path dir = Files.createTempDirectory("chorus-cluster-bench");
        long start = System.nanoTime();
        ClusterSummary s = ClusterStep.run(corpus.inputs(), dir, ClusterOptions.defaults(k).withFine(fine)
                .withMaxIterations(maxIterations), TIMED);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "full: %d docs, %d topics, K=%d, M=%d: %.1f s, peak heap %.0f MiB"
                        + " (max %.0f MiB), NMI %.4f, purity %.4f, fine iterations %d, threads %d%n",
                n, topics, k, fine, seconds, peakHeap() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0,
                s.nmi(), s.purity(), s.fineIterations(), ClusterOptions.defaults(k).threads());
    }

    static Supplier<Stream<ClusterInput>> europarlInputs() {
        EuroparlCorpus europarl = new EuroparlCorpus();
        int[] index = {0};
        return () -> {
            index[0] = 0;
            return europarl.documents().map(d -> new ClusterInput(index[0]++,
                    SplitRatios.DEFAULT.splitOf(DocumentId.ofText(d.text())), LanguageGuess.of(d.text()), d.text(),
                    d.text().split("\\s+").length));
        };
    }

    private static void export(String corpus, Path out) throws Exception {
        Supplier<Stream<ClusterInput>> inputs = corpus.equals("europarl") ? europarlInputs()
                : new SyntheticCorpus(Integer.parseInt(corpus.substring("synthetic:".length())), 16, 8, 40, 0.5, 1)
                        .inputs();
        int dims = HashedTfIdf.DEFAULT_DIMS;
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(HashedTfIdf.DEFAULT_BUCKETS, dims, 0);
        List<String> train = new ArrayList<>();
        try (Stream<ClusterInput> docs = inputs.get()) {
            docs.filter(d -> d.split() == Split.TRAIN).forEach(d -> {
                fitter.add(d.text());
                train.add(d.text());
            });
        }
        HashedTfIdf v;
        try (WorkerPool w = new WorkerPool(2)) {
            v = fitter.finish(w);
        }
        float[] x = new float[train.size() * dims];
        HashedTfIdf.Embedder e = v.embedder();
        for (int i = 0; i < train.size(); i++) {
            e.embed(train.get(i), x, i * dims);
        }
        ByteBuffer bytes = ByteBuffer.allocate(x.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        Files.write(out, bytes.array());
        System.out.printf("exported %d x %d to %s%n", train.size(), dims, out);
    }

    private static void kmeans(Path vectors, int dims, int k, int maxIter, int threads, long[] seeds) throws Exception {
        byte[] bytes = Files.readAllBytes(vectors);
        float[] x = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
        int n = x.length / dims;
        try (WorkerPool w = new WorkerPool(threads)) {
            KMeans.fit(x, n, dims, k, 2, 99, w, Progress.NONE); // warm-up: JIT the kernels
            for (long seed : seeds) {
                long start = System.nanoTime();
                KMeans.Result r = KMeans.fit(x, n, dims, k, maxIter, seed, w, Progress.NONE);
                double s = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "{\"impl\": \"chorus\", \"n\": %d, \"k\": %d, \"seed\": %d,"
                        + " \"seconds\": %.3f, \"inertia\": %.6f, \"iterations\": %d}%n", n, k, seed, s, r.inertia(),
                        r.iterations());
            }
        }
    }

    private static void europarl(int[] ks) throws Exception {
        for (int k : ks) {
            Path dir = Files.createTempDirectory("chorus-europarl");
            long start = System.nanoTime();
            ClusterSummary s = ClusterStep.run(europarlInputs(), dir, ClusterOptions.defaults(k), Progress.NONE);
            System.out.printf(Locale.ROOT, "%n### K = %d (M = %d): NMI %.3f, purity %.3f, %.1f s%n%n", k, 16 * k,
                    s.nmi(), s.purity(), (System.nanoTime() - start) / 1e9);
            System.out.println("| expert | token share | docs | languages (docs, all splits) | top terms |");
            System.out.println("|---|---|---|---|---|");
            for (ClusterSummary.Expert e : s.experts()) {
                StringBuilder langs = new StringBuilder();
                long total = e.labels().values().stream().mapToLong(Long::longValue).sum();
                for (Map.Entry<String, Long> l : e.labels().entrySet()) {
                    if (l.getValue() * 20 >= total) { // languages with ≥ 5% of the expert's documents
                        langs.append(langs.length() > 0 ? ", " : "").append(l.getKey()).append(' ').append(l.getValue());
                    }
                }
                System.out.printf(Locale.ROOT, "| %d | %.3f | %d | %s | %s |%n", e.expert(), e.tokenShare(),
                        e.documents(), langs, String.join(" · ", e.topTerms().subList(0, Math.min(6, e.topTerms().size()))));
            }
        }
    }
}
