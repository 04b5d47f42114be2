package ai.chorus.core.tokenizer;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.parallel.Failures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns a byte-level BPE vocabulary: the classic algorithm of Hugging Face's BpeTrainer (most
 * frequent adjacent pair first, within words), deterministic, with our own id layout and tie rule.
 *
 * <pre>{@code
 * BpeTokenizer t = new BpeTrainer(8192).maxBytes(200_000_000).train(texts, progress);
 * t.save(run.tokenizerJson());
 * }</pre>
 *
 * <p>Ids: 0-255 are the single bytes (id = byte value), then one id per merge in the order learned,
 * and last {@code <|endoftext|>}, a special token (as in GPT-2), so
 * {@code endOfTextId() == vocabSize() - 1}.
 *
 * <p>Algorithm: the texts are split into words by the GPT-2 pattern and counted (in parallel). Each
 * distinct word is a sequence of symbols with a frequency. Pair counts are kept for the whole table,
 * with, for every pair, the words that contain it. Each step takes the most frequent pair (ties: the
 * smaller left id, then the smaller right id) from a heap, merges it in the words that contain it,
 * and updates only the counts of pairs next to the merged positions. Heap entries whose count has
 * changed since they were pushed are re-pushed when they surface (lazy invalidation). The result is a
 * pure function of the word counts, so the same texts always give the same tokenizer, whatever the
 * thread count.
 *
 * <p>If the texts hold fewer distinct pairs than merges asked for, training stops early with a
 * warning and the vocabulary is smaller than asked ({@link BpeTokenizer#vocabSize()} tells). A pair
 * seen once is still merged (Hugging Face's default min_frequency 0).
 */
public final class BpeTrainer {
    public static final int DEFAULT_VOCAB_SIZE = 8192;
    /**
     * Default sample size: 1 GiB of text. Memory grows with the distinct words of the sample (about
     * 150 bytes each), so an unbounded stream could exhaust the heap; BPE merges are learnt well
     * long before this much text.
     */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** 256 byte tokens and the separator. */
    public static final int MIN_VOCAB_SIZE = 257;

    private static final Logger log = LoggerFactory.getLogger(BpeTrainer.class);
    /** Longer pieces are counted as several words of at most this many UTF-16 units. */
    static final int MAX_WORD_CHARS = 1024;
    /** Characters per batch handed to a counting thread. */
    private static final int BATCH_CHARS = 1 << 20;

    private final int vocabSize;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private int threads = 2;

    /** @throws InvalidInputException if {@code vocabSize} is below {@link #MIN_VOCAB_SIZE} */
    public BpeTrainer(int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new InvalidInputException("--vocab-size " + vocabSize + " is too small: a byte-level BPE needs at least "
                    + MIN_VOCAB_SIZE + " (256 byte tokens + " + BpeTokenizer.END_OF_TEXT + "); the default is "
                    + DEFAULT_VOCAB_SIZE);
        }
        this.vocabSize = vocabSize;
    }

    /**
     * Stops reading texts once this many UTF-8 bytes have been taken (the document that crosses the
     * limit is kept); default {@link #DEFAULT_MAX_BYTES}.
     */
    public BpeTrainer maxBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + bytes);
        }
        this.maxBytes = bytes;
        return this;
    }

    /** Threads that split and count words (default 2); the result does not depend on it. */
    public BpeTrainer threads(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + count);
        }
        this.threads = count;
        return this;
    }

    public BpeTokenizer train(Stream<String> texts, Progress progress) {
        WordCounts counts = countWords(texts, progress);
        return learnMerges(counts, progress);
    }

    // ---------------------------------------------------------------- word counting

    /** Distinct words and how often each occurs. */
    static final class WordCounts {
        final WordTable words = new WordTable();
        long[] frequency = new long[1024];

        void add(String text, int start, int end, long n) {
            int id = words.intern(text, start, end);
            if (id == frequency.length) {
                frequency = Arrays.copyOf(frequency, id * 2);
            }
            frequency[id] += n;
        }

        void addAll(WordCounts other) {
            for (int id = 0; id < other.words.size(); id++) {
                String w = other.words.word(id);
                add(w, 0, w.length(), other.frequency[id]);
            }
        }

        void countPieces(String text) {
            for (int p = 0, len = text.length(); p < len; ) {
                int q = Gpt2PreTokenizer.nextPieceEnd(text, p);
                // A giant piece (megabytes without a space) would become one giant word; count it in
                // chunks instead, so that memory stays proportional to ordinary words.
                for (int c = p; c < q; ) {
                    int e = Math.min(q, c + MAX_WORD_CHARS);
                    if (e < q && Character.isHighSurrogate(text.charAt(e - 1))) {
                        e--;
                    }
                    add(text, c, e, 1);
                    c = e;
                }
                p = q;
            }
        }
    }

    private static final List<String> END_OF_INPUT = new ArrayList<>();

    private WordCounts countWords(Stream<String> texts, Progress progress) {
        BlockingQueue<List<String>> batches = new ArrayBlockingQueue<>(2 * threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bpe-count");
            t.setDaemon(true);
            return t;
        });
        List<Future<WordCounts>> workers = new ArrayList<>();
        long docs = 0;
        long bytes = 0;
        long start = System.nanoTime();
        try (Progress.Task task = progress.start("bpe count words", -1, "B")) {
            for (int i = 0; i < threads; i++) {
                workers.add(pool.submit(() -> {
                    WordCounts local = new WordCounts();
                    for (List<String> batch = batches.take(); batch != END_OF_INPUT; batch = batches.take()) {
                        for (String text : batch) {
                            local.countPieces(text);
                        }
                    }
                    return local;
                }));
            }
            List<String> batch = new ArrayList<>();
            long batchChars = 0;
            Iterator<String> it = texts.iterator();
            while (bytes < maxBytes && it.hasNext()) {
                String text = it.next();
                long b = utf8Length(text);
                bytes += b;
                docs++;
                task.advance(b);
                batch.add(text);
                batchChars += text.length();
                if (batchChars >= BATCH_CHARS) {
                    offer(batches, batch, workers);
                    batch = new ArrayList<>();
                    batchChars = 0;
                }
            }
            if (!batch.isEmpty()) {
                offer(batches, batch, workers);
            }
            if (it.hasNext()) {
                log.info("BPE: the sample stops at the byte budget of {} MB", maxBytes / 1_000_000);
            }
            for (int i = 0; i < threads; i++) {
                offer(batches, END_OF_INPUT, workers);
            }
            WordCounts total = null;
            for (Future<WordCounts> w : workers) {
                WordCounts c = w.get();
                if (total == null) {
                    total = c;
                } else {
                    total.addAll(c);
                }
            }
            task.status(total.words.size() + " distinct words");
            log.info("BPE: counted {} distinct words in {} documents ({} MB) in {} s", total.words.size(), docs,
                    String.format("%.1f", bytes / 1e6), String.format("%.2f", (System.nanoTime() - start) / 1e9));
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting words", e);
        } catch (ExecutionException e) {
            throw Failures.unchecked(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Queues a batch, failing fast if a worker has died instead of blocking forever. */
    private static void offer(BlockingQueue<List<String>> queue, List<String> batch, List<Future<WordCounts>> workers)
            throws InterruptedException, ExecutionException {
        while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
            for (Future<WordCounts> w : workers) {
                if (w.isDone()) {
                    w.get();
                    throw new IllegalStateException("a word-counting thread stopped early");
                }
            }
        }
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    // ---------------------------------------------------------------- merges

    private BpeTokenizer learnMerges(WordCounts counts, Progress progress) {
        long start = System.nanoTime();
        int wantedMerges = vocabSize - MIN_VOCAB_SIZE;
        MergeLearner learner = new MergeLearner(counts);
        int[] left = new int[wantedMerges];
        int[] right = new int[wantedMerges];
        int learned = 0;
        try (Progress.Task task = progress.start("bpe merges", wantedMerges, "merges")) {
            while (learned < wantedMerges) {
                long best = learner.mergeBest(256 + learned);
                if (best < 0) {
                    break;
                }
                left[learned] = (int) (best >>> 32);
                right[learned] = (int) best;
                learned++;
                task.advance(1);
            }
        }
        if (learned < wantedMerges) {
            log.warn("BPE: the training text has only {} mergeable pairs, so the vocabulary has {} tokens, not the {} asked for;"
                    + " give more text for a larger vocabulary", learned, MIN_VOCAB_SIZE + learned, vocabSize);
        }
        int size = MIN_VOCAB_SIZE + learned;
        String[] tokens = new String[size];
        boolean[] special = new boolean[size];
        for (int b = 0; b < 256; b++) {
            tokens[b] = String.valueOf(ByteLevel.charOf(b));
        }
        int[] result = new int[learned];
        for (int r = 0; r < learned; r++) {
            result[r] = 256 + r;
            tokens[256 + r] = tokens[left[r]] + tokens[right[r]];
        }
        int endOfText = size - 1;
        tokens[endOfText] = BpeTokenizer.END_OF_TEXT;
        special[endOfText] = true;
        log.info("BPE: learned {} merges in {} s; vocabulary {} tokens, {} = id {}", learned,
                String.format("%.2f", (System.nanoTime() - start) / 1e9), size, BpeTokenizer.END_OF_TEXT, endOfText);
        return new BpeTokenizer(tokens, special,
                new BpeMerges(Arrays.copyOf(left, learned), Arrays.copyOf(right, learned), result), endOfText);
    }
}
