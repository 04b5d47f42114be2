package ai.chorus.core.prepare;

import ai.chorus.core.Chorus;
import ai.chorus.core.corpus.Corpora;
import ai.chorus.core.corpus.Corpus;
import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.SourceDocument;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.DataMeta;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.data.ShardWriter;
import ai.chorus.core.run.JobLocks;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.FileTrees;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code chorus prepare}: reads a corpus, trains the tokenizer, and writes {@code run.json},
 * {@code tokenizer.json} and the token shards of {@code data/}.
 *
 * <p>Two streaming passes over the corpus, so a corpus larger than memory works: the first assigns
 * ids and splits and keeps a bounded, uniform sample of train text (the documents with the smallest
 * ids, up to the byte budget) for the tokenizer; the second tokenizes and writes the shards.
 * Everything is written into a staging directory and moved into place only at the end, so a failure
 * (bad input included) leaves an existing run exactly as it was.
 */
public final class PrepareStep {
    private static final Logger LOG = LoggerFactory.getLogger(PrepareStep.class);
    private static final int ENCODE_BATCH = 512;
    private PrepareStep() {}

    public static PrepareResult run(RunDir run, PrepareOptions options, Progress progress) throws IOException {
        long start = System.nanoTime();
        checkTarget(run, options.force());
        if (Files.isDirectory(run.root())) {
            JobLocks.acquireAll(run, "prepare --force").close(); // refuse now rather than after the work
        }
        Corpus corpus = Corpora.open(options.corpus(), options.textField(), options.labelField());

        Path parent = run.root().getParent();
        Files.createDirectories(parent);
        Path stage = Files.createTempDirectory(parent, "." + run.root().getFileName() + ".prepare-");
        AtomicFiles.relaxPermissions(stage);
        try {
            TreeMap<DocumentId, String> sample = sampleTrainText(corpus, options, progress);
            if (sample.isEmpty()) {
                throw new InvalidInputException("--corpus " + options.corpus() + " has no documents in the train split"
                        + " (empty corpus, or every document blank)");
            }
            long t0 = System.nanoTime();
            BpeTokenizer tokenizer = BpeTokenizer.train(sample.values().stream(), options.vocabSize(), progress);
            double tokenizerSeconds = (System.nanoTime() - t0) / 1e9;
            sample.clear();
            RunDir staged = RunDir.of(stage);
            tokenizer.save(staged.tokenizerJson());

            DataMeta meta = writeShards(corpus, options, tokenizer, staged.dataDir(), progress);
            RunSpec spec = RunSpec.empty();
            ObjectNode p = spec.section("prepare");
            p.put("chorus_version", Chorus.VERSION);
            p.put("created", Instant.now().toString());
            p.put("corpus", corpus.describe());
            p.put("text_field", options.textField());
            p.put("label_field", options.labelField());
            p.put("split", options.split().toString());
            p.put("vocab_size", tokenizer.vocabSize());
            p.put("tokenizer_sample_bytes", options.tokenizerSampleBytes());
            spec.write(staged.runJson());

            // A running job reads the data and seed this replaces: refused while one runs, and none may start.
            try (JobLocks locks = JobLocks.acquireAll(run, "prepare --force")) {
                install(stage, run, options.force());
            }
            long textBytes = meta.textBytes().values().stream().mapToLong(Long::longValue).sum();
            return new PrepareResult(meta.totalDocuments(), meta.totalTokens(), meta.documents(), meta.tokens(),
                    tokenizer.vocabSize(), meta.totalTokens() == 0 ? 0 : (double) textBytes / meta.totalTokens(),
                    meta.duplicatesDropped(), meta.labels().size(), tokenizerSeconds,
                    (System.nanoTime() - start) / 1e9, run.root());
        } finally {
            FileTrees.delete(stage);
        }
    }

    private static void checkTarget(RunDir run, boolean force) throws IOException {
        Path root = run.root();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new InvalidInputException("--run " + root + " exists and is not a directory");
        }
        if (!Files.isDirectory(root)) {
            return;
        }
        if (force) {
            // --force replaces a run, never a folder that is not one: it deletes data/, eval/, experts/, … inside
            if (!isPreparedRun(run) && !isEmpty(root)) {
                throw new InvalidInputException("--run " + root + " is not empty and holds no prepared run (no "
                        + run.runJson().getFileName() + " with a prepare section); --force replaces only a run,"
                        + " choose an empty or new directory");
            }
            return;
        }
        if (Files.exists(run.runJson()) || Files.exists(run.dataDir())) {
            throw new InvalidInputException("--run " + root + " is already prepared; pass --force to replace it "
                    + "(this also drops its clusters, models and evaluation)");
        }
        try (Stream<Path> entries = Files.list(root)) {
            if (entries.findAny().isPresent()) {
                throw new InvalidInputException("--run " + root + " is not empty and holds no run; choose an empty "
                        + "or new directory");
            }
        }
    }

    private static boolean isPreparedRun(RunDir run) {
        if (!Files.isRegularFile(run.runJson())) {
            return false;
        }
        try {
            return RunSpec.JSON.readTree(run.runJson().toFile()).path("prepare").isObject();
        } catch (IOException e) {
            return false; // unreadable: not a run this step may replace
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /**
     * Pass 1: ids, splits, duplicates, and a sample of train text bounded by the byte budget: the
     * documents with the smallest ids (ids are hashes, so this is a uniform sample; only documents
     * at the budget's edge can depend on the corpus order).
     */
    private static TreeMap<DocumentId, String> sampleTrainText(Corpus corpus, PrepareOptions options,
                                                               Progress progress) {
        TreeMap<DocumentId, String> sample = new TreeMap<>();
        long sampleBytes = 0;
        Set<DocumentId> seen = new HashSet<>();
        try (Stream<SourceDocument> docs = corpus.documents();
             Progress.Task task = progress.start("scan", -1, "docs")) {
            Iterator<SourceDocument> it = docs.iterator();
            while (it.hasNext()) {
                SourceDocument d = it.next();
                task.advance(1);
                DocumentId id = DocumentId.ofText(d.text());
                if (!seen.add(id) || options.split().splitOf(id) != Split.TRAIN) {
                    continue;
                }
                // Keep the documents with the smallest ids (a uniform sample: ids are content hashes).
                if (sampleBytes < options.tokenizerSampleBytes() || id.compareTo(sample.lastKey()) < 0) {
                    sample.put(id, d.text());
                    sampleBytes += utf8Length(d.text());
                    while (sampleBytes > options.tokenizerSampleBytes() && sample.size() > 1) {
                        sampleBytes -= utf8Length(sample.pollLastEntry().getValue());
                    }
                }
            }
        }
        LOG.info("tokenizer sample: {} documents, {} MB", sample.size(), String.format("%.1f", sampleBytes / 1e6));
        return sample;
    }

    /** Pass 2: tokenize in parallel batches, write shards and the document index in corpus order. */
    private static DataMeta writeShards(Corpus corpus, PrepareOptions options, BpeTokenizer tokenizer, Path dataDir,
                                        Progress progress) throws IOException {
        Map<Split, Long> docs = new EnumMap<>(Split.class);
        Map<Split, Long> tokens = new EnumMap<>(Split.class);
        Map<Split, Long> bytes = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            docs.put(s, 0L);
            tokens.put(s, 0L);
            bytes.put(s, 0L);
        }
        Map<String, Integer> labels = new LinkedHashMap<>();
        Set<DocumentId> seen = new HashSet<>();
        long duplicates = 0;
        List<DataMeta.Shard> shards;
        try (ShardWriter writer = new ShardWriter(dataDir, tokenizer.vocabSize(), tokenizer.endOfTextId(),
                ShardWriter.DEFAULT_MAX_SHARD_TOKENS);
             Stream<SourceDocument> stream = corpus.documents();
             Progress.Task task = progress.start("tokenize", -1, "docs")) {
            Iterator<SourceDocument> it = stream.iterator();
            List<SourceDocument> batch = new ArrayList<>(ENCODE_BATCH);
            List<DocumentId> ids = new ArrayList<>(ENCODE_BATCH);
            while (it.hasNext()) {
                batch.clear();
                ids.clear();
                while (it.hasNext() && batch.size() < ENCODE_BATCH) {
                    SourceDocument d = it.next();
                    DocumentId id = DocumentId.ofText(d.text());
                    if (seen.add(id)) {
                        batch.add(d);
                        ids.add(id);
                    } else {
                        duplicates++;
                    }
                }
                int[][] encoded = batch.parallelStream().map(d -> tokenizer.encode(d.text())).toArray(int[][]::new);
                for (int i = 0; i < batch.size(); i++) {
                    SourceDocument d = batch.get(i);
                    Split split = options.split().splitOf(ids.get(i));
                    int label = d.label() == null ? -1 : labels.computeIfAbsent(d.label(), k -> labels.size());
                    writer.append(ids.get(i), split, label, encoded[i]);
                    docs.merge(split, 1L, Long::sum);
                    tokens.merge(split, (long) encoded[i].length, Long::sum);
                    bytes.merge(split, (long) utf8Length(d.text()), Long::sum);
                }
                task.advance(batch.size());
            }
            writer.close();
            shards = writer.shards();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (duplicates > 0) {
            LOG.info("dropped {} exact duplicate documents", duplicates);
        }
        DataMeta meta = new DataMeta(DataMeta.FORMAT, tokenizer.vocabSize() <= 65536 ? 2 : 4, tokenizer.vocabSize(),
                tokenizer.endOfTextId(), shards, keyed(docs), keyed(tokens), keyed(bytes),
                List.copyOf(labels.keySet()), duplicates);
        AtomicFiles.writeString(dataDir.resolve(ShardReader.META_FILE), RunSpec.JSON.writeValueAsString(meta) + "\n");
        return meta;
    }

    private static Map<String, Long> keyed(Map<Split, Long> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.key(), v));
        return out;
    }

    /** Moves the staged files into the run, replacing (with --force) what was there. */
    private static void install(Path stage, RunDir run, boolean force) throws IOException {
        Path root = run.root();
        List<String> installed = new ArrayList<>(run.prepared()); // the new run.json last
        Collections.reverse(installed);
        if (!Files.exists(root)) {
            try {
                Files.move(stage, root, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                Files.createDirectories(root);
            }
        }
        Path trash = Files.createTempDirectory(root.getParent(), "." + root.getFileName() + ".old-");
        List<String> moved = new ArrayList<>();
        try {
            // The old run.json goes first, so a crash midway leaves a run that is visibly unprepared
            // rather than one whose run.json describes other data; the new run.json comes last.
            List<String> old = new ArrayList<>(run.prepared());
            if (force) {
                old.addAll(run.derived());
            }
            for (String name : old) {
                if (Files.exists(root.resolve(name))) {
                    Files.move(root.resolve(name), trash.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                    moved.add(name);
                }
            }
            for (String name : installed) {
                Files.move(stage.resolve(name), root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | RuntimeException e) {
            // Put the old run back as it was.
            for (String name : installed) {
                if (moved.contains(name) && Files.exists(root.resolve(name))) {
                    FileTrees.delete(root.resolve(name));
                }
            }
            for (String name : moved) {
                Files.move(trash.resolve(name), root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        FileTrees.delete(trash);
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
