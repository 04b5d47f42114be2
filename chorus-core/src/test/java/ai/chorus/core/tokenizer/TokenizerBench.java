package ai.chorus.core.tokenizer;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.Progress;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Times BPE training and encoding on Europarl (numbers in docs/perf/tokenizer.md).
 *
 * <pre>
 * java -Xmx2g -XX:+UseParallelGC -cp CLASSPATH ai.chorus.core.tokenizer.TokenizerBench [RUNS=3] [VOCAB=8192]
 * </pre>
 *
 * Training: the train split (about 90% of 17.6k documents) on 2 threads, from texts in memory.
 * Encoding: all documents with {@link BpeTokenizer#encodeDocuments} (2 cores), first with cold
 * word caches (a freshly loaded tokenizer), then warm; and on 1 thread.
 */
public final class TokenizerBench {
    private TokenizerBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int vocab = args.length > 1 ? Integer.parseInt(args[1]) : BpeTrainer.DEFAULT_VOCAB_SIZE;
        List<String> train = EuroparlTexts.of(Split.TRAIN);
        List<String> all = EuroparlTexts.all();
        long trainBytes = train.stream().mapToLong(BpeTrainer::utf8Length).sum();
        long allBytes = all.stream().mapToLong(BpeTrainer::utf8Length).sum();
        System.out.printf("europarl: %d train docs (%.1f MB), %d docs in all (%.1f MB); %d cores%n", train.size(),
                trainBytes / 1e6, all.size(), allBytes / 1e6, Runtime.getRuntime().availableProcessors());

        BpeTokenizer tokenizer = null;
        double[] trainSeconds = new double[runs];
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            tokenizer = new BpeTrainer(vocab).threads(2).train(train.stream(), Progress.NONE);
            trainSeconds[r] = (System.nanoTime() - t0) / 1e9;
            System.out.printf("train %d: %.2f s (vocab %d)%n", r + 1, trainSeconds[r], tokenizer.vocabSize());
        }
        report("train (2 threads)", trainSeconds, "s", 1);

        Path file = Files.createTempFile("bench-tokenizer", ".json");
        tokenizer.save(file);
        double[] cold = new double[runs];
        double[] warm = new double[runs];
        double[] single = new double[runs];
        double[] perCpuSecond = new double[runs];
        long tokens = 0;
        for (int r = 0; r < runs; r++) {
            BpeTokenizer fresh = BpeTokenizer.load(file); // new instance: empty per-thread caches
            long t0 = System.nanoTime();
            List<int[]> ids = fresh.encodeDocuments(all);
            cold[r] = allBytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            long cpu0 = processCpuNanos();
            t0 = System.nanoTime();
            ids = fresh.encodeDocuments(all);
            warm[r] = allBytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            perCpuSecond[r] = allBytes / 1e6 / ((processCpuNanos() - cpu0) / 1e9);
            t0 = System.nanoTime();
            for (String doc : all) {
                fresh.encode(doc);
            }
            single[r] = allBytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            tokens = ids.stream().mapToLong(a -> a.length).sum();
            System.out.printf("encode %d: cold 2 cores %.1f MB/s, warm 2 cores %.1f MB/s (%.1f MB per CPU-second),"
                    + " 1 thread %.1f MB/s%n", r + 1, cold[r], warm[r], perCpuSecond[r], single[r]);
        }
        Files.deleteIfExists(file);
        System.out.printf("tokens: %d (%.2f bytes/token)%n", tokens, (double) allBytes / tokens);
        report("encode cold, 2 cores", cold, "MB/s", -1);
        report("encode warm, 2 cores", warm, "MB/s", -1);
        report("encode warm, per CPU-s", perCpuSecond, "MB/s", -1);
        report("encode 1 thread", single, "MB/s", -1);
    }

    /** CPU time of the whole process (all threads, GC included): a load-independent cost measure. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Prints best and median; {@code better} is 1 when smaller is better, -1 when larger is. */
    private static void report(String what, double[] values, String unit, int better) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double best = better > 0 ? sorted[0] : sorted[sorted.length - 1];
        double median = sorted[sorted.length / 2];
        System.out.printf("%-22s best %.2f %s, median %.2f %s, range %.2f-%.2f (%d runs)%n", what, best, unit, median,
                unit, sorted[0], sorted[sorted.length - 1], values.length);
    }
}
