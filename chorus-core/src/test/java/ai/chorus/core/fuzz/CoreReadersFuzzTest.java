package ai.chorus.core.fuzz;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.DataMeta;
import ai.chorus.core.data.DocumentRecord;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.data.ShardWriter;
import ai.chorus.core.merge.MergeRecipe;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.InvalidInputException;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Fuzz tests of the run directory's file readers (see docs/RELIABILITY.md): {@code tokenizer.json},
 * {@code run.json}, {@code data/} (meta.json, documents.bin, a shard), {@code clusters/assignments.bin} and
 * merge recipes. The contract: a reader returns a valid object or throws {@link InvalidInputException}; any
 * other exception is a finding. Each input is written where the reader expects its file, so the readers run
 * exactly as the steps call them.
 *
 * <p>{@code mvn verify} replays the committed inputs under {@code src/test/resources/.../CoreReadersFuzzTestInputs/}
 * (regression mode); {@code JAZZER_FUZZ=1} fuzzes one target for {@code maxDuration}.
 */
class CoreReadersFuzzTest {
    private static final Path DIR;
    /** A valid data folder: the data target replaces one of its files with the input. */
    private static final Path TEMPLATE;
    static final int VOCAB = 300;

    static {
        try {
            DIR = Files.createTempDirectory("chorus-fuzz-core");
            TEMPLATE = DIR.resolve("template");
            writeValidData(TEMPLATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Three documents in one shard, one per split, with a label: what prepare writes, in miniature. */
    static void writeValidData(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<DataMeta.Shard> shards;
        long tokens = 0;
        try (ShardWriter w = new ShardWriter(dir, VOCAB, VOCAB - 1, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                int[] t = {1 + i, 20 + i, 200 + i, 7};
                tokens += t.length;
                w.append(DocumentId.ofText("doc " + i), Split.values()[i], i == 2 ? -1 : i, t);
            }
            w.close();
            shards = w.shards();
        }
        DataMeta meta = new DataMeta(DataMeta.FORMAT, 2, VOCAB, VOCAB - 1, shards,
                Map.of("train", 1L, "valid", 1L, "test", 1L), Map.of("train", tokens, "valid", 0L, "test", 0L),
                Map.of(), List.of("a", "b"), 0);
        Files.writeString(dir.resolve(ShardReader.META_FILE), RunSpec.JSON.writeValueAsString(meta));
    }

    private static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @FuzzTest(maxDuration = "30s")
    void tokenizerJson(byte[] bytes) {
        Path f = write(DIR.resolve("tokenizer.json"), bytes);
        try {
            BpeTokenizer t = BpeTokenizer.load(f);
            // a loaded tokenizer must work: encode mixed scripts and decode every id it has
            t.decode(t.encode("the cat sat — die Katze 🐈 \u0000 \uFFFD"));
            int[] all = new int[t.vocabSize()];
            Arrays.setAll(all, i -> i);
            t.decode(all);
        } catch (InvalidInputException expected) {
            // the contract
        }
    }

    @FuzzTest(maxDuration = "30s")
    void runJson(byte[] bytes) {
        RunDir run = RunDir.of(DIR.resolve("run"));
        write(run.runJson(), bytes);
        try {
            RunSpec spec = RunSpec.read(run);
            for (String section : List.of("prepare", "cluster", "train")) {
                spec.has(section);
                spec.section(section);
            }
        } catch (InvalidInputException expected) {
            // the contract
        }
    }

    /**
     * The first byte picks the file of a valid data folder to replace (meta.json, documents.bin, the shard);
     * the rest is its content. Every document of an index that opens must be readable.
     */
    @FuzzTest(maxDuration = "30s")
    void dataFolder(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        Path dir = Files.createDirectories(RunDir.of(DIR).dataDir());
        for (String f : List.of(ShardReader.META_FILE, ShardReader.INDEX_FILE, "tokens-00000.bin")) {
            Files.copy(TEMPLATE.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String target = List.of(ShardReader.META_FILE, ShardReader.INDEX_FILE, "tokens-00000.bin")
                .get(Math.floorMod(bytes[0], 3));
        write(dir.resolve(target), Arrays.copyOfRange(bytes, 1, bytes.length));
        try {
            ShardReader r = ShardReader.open(dir);
            for (int i = 0; i < r.documentCount(); i++) {
                DocumentRecord d = r.document(i);
                r.label(d);
                for (int token : r.tokens(d)) {
                    if (token < 0 || token >= r.meta().vocabSize()) {
                        throw new AssertionError("token " + token + " outside the vocabulary passed the reader");
                    }
                }
            }
            for (Split s : Split.values()) {
                r.documentsOf(s);
            }
        } catch (InvalidInputException expected) {
            // the contract
        }
    }

    @FuzzTest(maxDuration = "30s")
    void assignments(byte[] bytes) {
        Path dir = RunDir.of(DIR).clustersDir();
        write(RunDir.of(DIR).clusterAssignments(), bytes);
        try {
            ClusterAssignments a = ClusterAssignments.read(dir);
            for (int i = 0; i < a.size(); i++) {
                if (a.expert(i) < 0 || a.fine(i) < 0) {
                    throw new AssertionError("record " + i + " has a negative cluster and passed the reader");
                }
                a.split(i);
                a.expertOf(a.docIndex(i));
            }
        } catch (InvalidInputException expected) {
            // the contract
        }
    }

    /** The first byte's parity picks YAML or JSON; the rest is the recipe file. */
    @FuzzTest(maxDuration = "30s")
    void mergeRecipe(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        Path f = write(DIR.resolve((bytes[0] & 1) == 0 ? "recipe.yaml" : "recipe.json"),
                Arrays.copyOfRange(bytes, 1, bytes.length));
        try {
            MergeRecipe r = MergeRecipe.read(f);
            r.toJson(RunSpec.JSON);
        } catch (InvalidInputException expected) {
            // the contract
        }
    }
}
