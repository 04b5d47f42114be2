package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.engine.io.Checkpoints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile but realistic input, step by step: a table of corruptions of a tiny trained run × the command that
 * meets them. Every row must end in exit 2, exactly one line on stderr (and, with {@code --json}, one JSON
 * error object on stdout), and every file of the case's folder byte-identical to before (SHA-256 of each).
 * One trained run is shared: each row works on its own copy.
 */
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static RunDir base;

    @BeforeAll
    static void trainedTinyRun() throws IOException {
        base = TinyRun.create(tmp.resolve("base"), 4, 2);
        CliRunner.Result train = CliRunner.run("train", "--run", base.toString(), "--all", "--threads", "2");
        assertThat(train.exitCode()).as(train.err()).isZero();
        CliRunner.Result eval = CliRunner.run("eval", "--run", base.toString(), "--threads", "1", "--max-tokens",
                "1000");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        CliRunner.Result merge = CliRunner.run("merge", "--run", base.toString(), "--method", "average");
        assertThat(merge.exitCode()).as(merge.err()).isZero();
    }

    /** Changes a copy of the trained run (at {@code dir/run}; {@code dir} may hold other files of the case). */
    interface Corruption {
        void apply(Path dir, RunDir run) throws IOException;
    }

    private static Arguments row(String name, Corruption corruption, Function<Path, List<String>> args,
                                 String mentions) {
        return Arguments.of(name, corruption, args, mentions);
    }

    private static List<String> cmd(Path dir, String step, String... more) {
        List<String> a = new ArrayList<>(List.of(step, "--run", dir.resolve("run").toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static final Corruption NOTHING = (dir, run) -> { };

    static Stream<Arguments> table() {
        return Stream.of(
            // data loss 1: merge --force onto something that is not a merge output
            row("merge onto the run itself", NOTHING,
                    d -> cmd(d, "merge", "--method", "average", "--out", d.resolve("run").toString(), "--force"),
                    "--out"),
            row("merge onto the run's parent", NOTHING,
                    d -> cmd(d, "merge", "--method", "average", "--out", d.toString(), "--force"), "--out"),
            row("merge onto a folder of foreign files", (d, r) -> {
                Files.createDirectories(d.resolve("notes/sub"));
                Files.writeString(d.resolve("notes/todo.txt"), "mine");
                Files.writeString(d.resolve("notes/sub/more.txt"), "mine too");
            }, d -> cmd(d, "merge", "--method", "average", "--out", d.resolve("notes").toString(), "--force"),
                    "--out"),
            row("merge onto a merge output holding a foreign file",
                    (d, r) -> Files.writeString(r.mergedDir().resolve("average/notes.txt"), "mine"),
                    d -> cmd(d, "merge", "--method", "average", "--force"), "notes.txt"),
            row("merge onto an expert folder", NOTHING,
                    d -> cmd(d, "merge", "--method", "average", "--out", RunDir.of(d.resolve("run")).seedDir()
                            .toString(), "--force"), "--out"),
            // data loss 2: train --force must check before it deletes
            row("train --force with the seed missing",
                    (d, r) -> Files.delete(r.seedDir().resolve(Checkpoints.WEIGHTS_FILE)),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "seed"),
            row("train --force with the seed truncated",
                    (d, r) -> truncate(r.seedDir().resolve(Checkpoints.WEIGHTS_FILE), 100),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "model.safetensors"),
            row("train --force with the seed's hidden_size changed",
                    (d, r) -> editJson(r.seedDir().resolve("config.json"), o -> o.put("hidden_size", 64)),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "seed"),
            row("train --force with the seed's vocab_size changed",
                    (d, r) -> editJson(r.seedDir().resolve("config.json"), o -> o.put("vocab_size", 999)),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "seed"),
            row("train --force with the data's end_of_text_id changed",
                    (d, r) -> editJson(r.dataMeta(), o -> o.put("end_of_text_id", 7)),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "end_of_text"),
            row("train --force with run.json = {}", (d, r) -> Files.writeString(r.runJson(), "{}"),
                    d -> cmd(d, "train", "--expert", "1", "--force"), "run.json"),
            // --force replaces a run, never a folder of someone else's files that happen to share its names
            row("prepare --force onto a folder that is not a run", (d, r) -> {
                Files.createDirectories(d.resolve("thesis/data"));
                Files.createDirectories(d.resolve("thesis/eval"));
                Files.writeString(d.resolve("thesis/data/chapter1.txt"), "mine");
                Files.writeString(d.resolve("thesis/eval/notes.md"), "mine too");
            }, d -> List.of("prepare", "--run", d.resolve("thesis").toString(), "--corpus",
                    d.resolve("corpus.jsonl").toString(), "--vocab", "320", "--force"), "holds no prepared run"),
            // data loss 3: prepare/cluster --force while a job holds its lock (held by the row itself)
            row("prepare --force while a job trains", NOTHING,
                    d -> cmd(d, "prepare", "--corpus", d.resolve("corpus.jsonl").toString(), "--vocab", "320",
                            "--force"), "e01"),
            row("cluster --force while a job trains", NOTHING,
                    d -> cmd(d, "cluster", "--experts", "2", "--fine", "8", "--force"), "e01"),
            // stack traces on input a user can fix
            row("train --all without validation documents", (d, r) -> {
                Path corpus = d.resolve("corpus.jsonl");
                assertThat(CliRunner.run("prepare", "--run", r.toString(), "--corpus", corpus.toString(), "--vocab",
                        "320", "--split", "100/0/0", "--force").exitCode()).isZero();
                assertThat(CliRunner.run("cluster", "--run", r.toString(), "--experts", "2", "--fine", "4")
                        .exitCode()).isZero();
                Files.writeString(r.runJson(), Files.readString(base.runJson()));
            }, d -> cmd(d, "train", "--all"), "validation"),
            row("cluster with a token id beyond the vocabulary in a shard", (d, r) -> {
                try (FileChannel ch = FileChannel.open(r.dataDir().resolve("tokens-00000.bin"),
                        StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0x7f, (byte) 0xff, (byte) 0x7f}), 8);
                }
            }, d -> cmd(d, "cluster", "--experts", "2", "--fine", "8", "--force"), "tokens-00000.bin"),
            row("cluster with a token id beyond the vocabulary in tokenizer.json", (d, r) -> editJson(r.tokenizerJson(),
                    o -> {
                        ObjectNode vocab = (ObjectNode) o.path("model").path("vocab");
                        vocab.put(vocab.fieldNames().next(), 100_000);
                    }), d -> cmd(d, "cluster", "--experts", "2", "--fine", "8", "--force"), "tokenizer.json"),
            row("generate with all-NaN weights", (d, r) -> nanWeights(r.expertDir(0)),
                    d -> List.of("generate", "--model", RunDir.of(d.resolve("run")).expertDir(0).toString(),
                            "--prompt", "the cat", "--max-tokens", "3", "--threads", "1"), "NaN"),
            row("eval with all-NaN weights", (d, r) -> nanWeights(r.expertDir(0)),
                    d -> cmd(d, "eval", "--threads", "1", "--max-tokens", "1000"), "NaN"),
            row("merge with all-NaN weights", (d, r) -> nanWeights(r.expertDir(0)),
                    d -> cmd(d, "merge", "--method", "average", "--out", d.resolve("out").toString()), "NaN"),
            row("merge with a recipe that is a folder", (d, r) -> Files.createDirectories(d.resolve("recipe.yaml")),
                    d -> cmd(d, "merge", "--recipe", d.resolve("recipe.yaml").toString()), "recipe.yaml"),
            row("merge with a recipe using a YAML alias", (d, r) -> Files.writeString(d.resolve("r.yaml"),
                    "method: ties\nmodels: [&a e00, *a]\nparameters:\n  density: 0.5\n"),
                    d -> cmd(d, "merge", "--recipe", d.resolve("r.yaml").toString(), "--out",
                            d.resolve("out").toString()), "alias"),
            row("merge with a recipe holding .nan", (d, r) -> Files.writeString(d.resolve("r.yaml"),
                    "method: ties\nmodels: [e00, e01]\nparameters:\n  density: .nan\n"),
                    d -> cmd(d, "merge", "--recipe", d.resolve("r.yaml").toString(), "--out",
                            d.resolve("out").toString()), ".nan (line 4"),
            row("report with summary.json = {}", (d, r) -> Files.writeString(r.clusterSummary(),
                    "{}"), d -> cmd(d, "report"), "summary.json"),
            row("report with invalid UTF-8 in train.jsonl", (d, r) -> {
                Path curves = RunDir.curves(r.expertDir(0));
                Files.write(curves, new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}', '\n'},
                        StandardOpenOption.APPEND);
            }, d -> cmd(d, "report"), "train.jsonl"),
            row("train with a truncated provenance.json",
                    (d, r) -> truncate(RunDir.provenance(r.expertDir(0)), 40),
                    d -> cmd(d, "train", "--expert", "0"), "provenance.json"),
            row("train with train.seq_len = 1e6",
                    (d, r) -> editJson(r.runJson(), o -> ((ObjectNode) o.get("train")).put("seq_len", 1_000_000)),
                    d -> cmd(d, "train", "--expert", "0"), "seq_len"),
            row("plan with train.seed_tokens = 1e18",
                    (d, r) -> editJson(r.runJson(), o -> ((ObjectNode) o.get("train")).put("seed_tokens", 1e18)),
                    d -> cmd(d, "plan"), "seed_tokens"),
            row("generate --temperature Infinity", NOTHING,
                    d -> List.of("generate", "--model", RunDir.of(d.resolve("run")).seedDir().toString(),
                            "--temperature", "Infinity"), "--temperature"),
            row("generate --threads 0", NOTHING,
                    d -> List.of("generate", "--model", RunDir.of(d.resolve("run")).seedDir().toString(),
                            "--threads", "0"), "--threads"),
            row("an unknown option close to a known one", NOTHING, d -> cmd(d, "train", "--expertz", "1"),
                    "--expertz"),
            row("cluster with a corrupt run.json", (d, r) -> Files.writeString(r.runJson(), "{\"prepare\": "),
                    d -> cmd(d, "cluster", "--experts", "3", "--fine", "8", "--force"), "run.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void refusedInOneLineWithNothingTouched(String name, Corruption corruption, Function<Path, List<String>> args,
                                            String mentions) throws Exception {
        Path dir = tmp.resolve("case-" + name.replaceAll("[^A-Za-z0-9]+", "-"));
        Files.createDirectories(dir);
        TinyRun.copyTree(base.root(), dir.resolve("run"));
        Files.copy(base.root().resolveSibling("base-corpus.jsonl"), dir.resolve("corpus.jsonl"));
        RunDir run = RunDir.of(dir.resolve("run"));
        corruption.apply(dir, run);
        Map<String, String> before = hashes(dir);

        List<String> argv = args.apply(dir);
        CliRunner.Result plain;
        CliRunner.Result json;
        // Rows about locks hold expert 1's lock for the whole command, as a running `train` would.
        boolean locking = name.contains("while a job trains");
        try (FileChannel ch = locking ? FileChannel.open(run.expertDir(1).resolve(".lock"), StandardOpenOption.WRITE)
                : null;
             FileLock lock = locking ? ch.lock() : null) {
            plain = CliRunner.run(argv.toArray(String[]::new));
            List<String> withJson = new ArrayList<>(argv);
            withJson.add("--json");
            json = CliRunner.run(withJson.toArray(String[]::new));
        }

        // Files first: that is the worst fault (a step that deleted or rewrote what it then refused to replace).
        assertThat(hashes(dir)).as("every file as it was; stderr: " + plain.err()).isEqualTo(before);
        assertThat(plain.exitCode()).as(plain.err()).isEqualTo(2);
        String err = plain.err().strip();
        assertThat(err).as("one line").doesNotContain("\n").startsWith("chorus " + argv.get(0) + ": ")
                .contains(mentions);
        assertThat(json.exitCode()).as(json.err()).isEqualTo(2);
        JsonNode error = JSON.readTree(json.out()).get("error");
        assertThat(json.out().strip()).as("one JSON object on stdout").doesNotContain("\n");
        assertThat(error.get("message").asText()).isEqualTo(err.substring(err.indexOf(": ") + 2));
    }

    /** A merge output may be replaced by the next merge with --force; nothing else may. */
    @Test
    void mergeForceReplacesItsOwnOutput() throws IOException {
        Path dir = tmp.resolve("merge-own");
        TinyRun.copyTree(base.root(), dir);
        RunDir run = RunDir.of(dir);
        String old = Files.readString(run.mergedDir().resolve("average/provenance.json"));
        CliRunner.Result again = CliRunner.run("merge", "--run", dir.toString(), "--method", "average", "--force");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readString(run.mergedDir().resolve("average/provenance.json"))).isNotEqualTo(old);
        assertThat(run.seedDir().resolve(Checkpoints.WEIGHTS_FILE)).exists();
    }

    /** A re-cluster with another K carries the new K into the train settings, so the plan (and eval's advice) holds. */
    @Test
    void clusterForceWithAnotherKUpdatesTheTrainSettings() throws IOException {
        Path dir = tmp.resolve("recluster");
        TinyRun.copyTree(base.root(), dir);
        CliRunner.Result c = CliRunner.run("cluster", "--run", dir.toString(), "--experts", "3", "--fine", "8",
                "--force");
        assertThat(c.exitCode()).as(c.err()).isZero();
        assertThat(JSON.readTree(RunDir.of(dir).runJson().toFile()).path("train").path("experts").asInt()).isEqualTo(3);
        CliRunner.Result plan = CliRunner.run("plan", "--run", dir.toString(), "--json");
        assertThat(plan.exitCode()).as(plan.err()).isZero();
    }

    /** SHA-256 of every file under {@code dir}, by relative path. */
    static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isDirectory).toList()) {
                out.put(dir.relativize(p) + "/", "folder");
            }
        }
        return out;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    interface Edit {
        void apply(ObjectNode root) throws IOException;
    }

    private static void editJson(Path file, Edit edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.apply(root);
        Files.writeString(file, JSON.writeValueAsString(root));
    }

    /** Every float of the model set to NaN (F32 weights: the data after the header). */
    private static void nanWeights(Path modelDir) throws IOException {
        Path file = modelDir.resolve(Checkpoints.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = (int) (8 + header); at + 4 <= bytes.length; at += 4) {
            b.putFloat(at, Float.NaN);
        }
        Files.write(file, bytes);
    }
}
