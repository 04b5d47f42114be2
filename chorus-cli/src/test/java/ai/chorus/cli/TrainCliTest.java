package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.TokenizerFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chorus train} end to end: a job killed mid-run and resumed ends byte-identical to an
 * uninterrupted one; experts trained in parallel processes equal experts trained one after the
 * other; plan's compute matching; and the refusals.
 */
class TrainCliTest {
    static final int STEPS = 400;

    @TempDir
    static Path tmp;

    static RunDir base;

    @BeforeAll
    static void trainSeed() throws IOException {
        base = TinyRun.withSeed(tmp.resolve("base"), STEPS, 10);
    }

    private static RunDir copy(String name) throws IOException {
        return TinyRun.copy(base, tmp.resolve(name));
    }

    private static Process spawn(RunDir run, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "train", "--run", run.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(run.root().resolve("child.log").toFile()).start();
    }

    @Test
    void aKilledJobResumesToTheSameBytesAsAnUninterruptedOne() throws Exception {
        RunDir straight = copy("straight");
        assertThat(CliRunner.run("train", "--run", straight.toString(), "--expert", "0", "--threads", "2")
                .exitCode()).isZero();

        RunDir killed = copy("killed");
        Path checkpoint = RunDir.checkpoint(killed.expertDir(0));
        Process child = spawn(killed, "--expert", "0", "--threads", "1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(checkpoint) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(30); // let it run past the checkpoint, so the resume must discard work
        child.destroyForcibly().waitFor();
        assertThat(checkpoint).as("the child wrote a checkpoint before it was killed").exists();
        assertThat(RunDir.provenance(killed.expertDir(0))).as("killed before it finished").doesNotExist();

        CliRunner.Result refused = CliRunner.run("train", "--run", killed.toString(), "--expert", "0");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--resume");

        // The same checkpoint with one bit flipped in its last weight is named corrupt, not blamed on the lr.
        RunDir garbled = RunDir.of(tmp.resolve("garbled"));
        TinyRun.copyTree(killed.root(), garbled.root());
        Path bad = RunDir.checkpoint(garbled.expertDir(0));
        byte[] bytes = Files.readAllBytes(bad);
        bytes[bytes.length - 3] ^= 0x01;
        Files.write(bad, bytes);
        CliRunner.Result corrupt = CliRunner.run("train", "--run", garbled.toString(), "--expert", "0", "--resume");
        assertThat(corrupt.exitCode()).as(corrupt.err()).isEqualTo(2);
        assertThat(corrupt.err().strip()).contains(bad.toString(), "corrupt").doesNotContain("\n", "lr");
        assertThat(Files.readAllBytes(bad)).as("left for the user to delete").isEqualTo(bytes);

        CliRunner.Result resumed = CliRunner.run("train", "--run", killed.toString(), "--expert", "0", "--resume",
                "--threads", "2");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("(resumed)");

        assertThat(Files.readAllBytes(killed.expertDir(0).resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.expertDir(0).resolve("model.safetensors")));
        assertThat(Files.readAllLines(RunDir.curves(killed.expertDir(0))))
                .isEqualTo(Files.readAllLines(RunDir.curves(straight.expertDir(0))));
        assertThat(checkpoint).doesNotExist();
    }

    @Test
    void expertsTrainedInParallelProcessesEqualExpertsTrainedInTurn() throws IOException {
        RunDir sequential = copy("sequential");
        RunDir parallel = copy("parallel");
        assertThat(CliRunner.run("train", "--run", sequential.toString(), "--experts", "all", "--jobs", "1",
                "--threads", "1").exitCode()).isZero();
        CliRunner.Result p = CliRunner.run("train", "--run", parallel.toString(), "--experts", "all", "--jobs", "2");
        assertThat(p.exitCode()).as(p.err()).isZero();
        for (int e = 0; e < 2; e++) {
            assertThat(Files.readAllBytes(parallel.expertDir(e).resolve("model.safetensors")))
                    .as("expert %d", e)
                    .isEqualTo(Files.readAllBytes(sequential.expertDir(e).resolve("model.safetensors")));
        }
        JsonNode prov = new ObjectMapper().readTree(RunDir.provenance(parallel.expertDir(1)).toFile());
        assertThat(prov.get("branched_from").get("sha256").asText()).hasSize(64);
        assertThat(prov.get("documents_sha256").asText()).hasSize(64);
        assertThat(prov.get("tokens_seen").asLong()).isEqualTo(4L * 32 * STEPS);
    }

    @Test
    void planMatchesDenseComputeToTheExperts() throws IOException {
        CliRunner.Result r = CliRunner.run("plan", "--run", base.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        double dense = json.get("dense_flops").asDouble();
        double experts = json.get("experts_flops").asDouble();
        assertThat(dense / experts).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void anExpertWithItsOwnWidthBranchesFromTheSeedAndDenseStaysComputeMatched() throws IOException {
        RunDir wide = copy("wide");
        RunSpec spec = RunSpec.read(wide);
        ((ObjectNode) spec.root().get("train")).putObject("expert_intermediate_size").put("1", 160);
        spec.write(wide.runJson());

        CliRunner.Result r = CliRunner.run("plan", "--run", wide.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("dense_flops").asDouble() / json.get("experts_flops").asDouble())
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        Map<String, JsonNode> jobs = new java.util.HashMap<>();
        json.get("jobs").forEach(j -> jobs.put(j.get("job").asText(), j));
        assertThat(jobs.get("expert 0").get("intermediate_size").asInt()).isEqualTo(64);
        assertThat(jobs.get("expert 1").get("intermediate_size").asInt()).isEqualTo(160);
        assertThat(jobs.get("random 1").get("intermediate_size").asInt()).isEqualTo(160);
        // the wider expert costs more per token, so the dense model trains more steps than the experts' sum
        assertThat(jobs.get("dense").get("steps").asLong())
                .isGreaterThan(jobs.get("expert 0").get("steps").asLong() + jobs.get("expert 1").get("steps").asLong());

        CliRunner.Result t = CliRunner.run("train", "--run", wide.toString(), "--expert", "1", "--threads", "2");
        assertThat(t.exitCode()).as(t.err()).isZero();
        JsonNode config = new ObjectMapper().readTree(wide.expertDir(1).resolve("config.json").toFile());
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(160);
        CliRunner.Result g = CliRunner.run("generate", "--model", wide.expertDir(1).toString(), "--prompt", "the cat",
                "--max-tokens", "4", "--seed", "1");
        assertThat(g.exitCode()).as(g.err()).isZero();

        ((ObjectNode) spec.root().get("train")).putObject("expert_intermediate_size").put("2", 160);
        spec.write(wide.runJson());
        CliRunner.Result bad = CliRunner.run("plan", "--run", wide.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("expert_intermediate_size").contains("'2' is not an expert index");
    }

    @Test
    void generatesFromATrainedModelReproduciblyAndRefusesBadFolders() throws IOException {
        String[] args = {"generate", "--model", base.seedDir().toString(), "--prompt", "the cat", "--max-tokens",
            "12", "--seed", "5", "--json"};
        CliRunner.Result a = CliRunner.run(args);
        CliRunner.Result b = CliRunner.run(args);
        assertThat(a.exitCode()).as(a.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(a.out());
        assertThat(json.get("generated_tokens").asInt()).isBetween(1, 12);
        assertThat(new ObjectMapper().readTree(b.out()).get("text")).isEqualTo(json.get("text"));
        // The tiny model has learned its corpus: greedy-ish decoding continues the memorised sentence.
        assertThat(json.get("text").asText()).startsWith(" sat on the mat");

        CliRunner.Result missing = CliRunner.run("generate", "--model", tmp.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--model");
    }

    @Test
    void aFinishedFolderCarriesItsTokenizerAndGeneratesAndScoresWhereverItLies() throws IOException {
        assertThat(TokenizerFiles.presentIn(base.seedDir())).isTrue();
        assertThat(Files.mismatch(base.seedDir().resolve(TokenizerFiles.TOKENIZER), base.tokenizerJson()))
                .isEqualTo(-1L);
        // the model files alone, far from the run (no tokenizer.json in any parent folder)
        Path elsewhere = Files.createTempDirectory("chorus-elsewhere").resolve("seed");
        Files.createDirectories(elsewhere);
        try {
            for (String f : List.of("config.json", "model.safetensors", TokenizerFiles.TOKENIZER,
                    TokenizerFiles.TOKENIZER_CONFIG, TokenizerFiles.GENERATION_CONFIG)) {
                Files.copy(base.seedDir().resolve(f), elsewhere.resolve(f));
            }
            String[] args = {"--prompt", "the cat", "--max-tokens", "8", "--seed", "3", "--threads", "1", "--json"};
            CliRunner.Result here = CliRunner.run(cat(new String[] {"generate", "--model", base.seedDir().toString()}, args));
            CliRunner.Result there = CliRunner.run(cat(new String[] {"generate", "--model", elsewhere.toString()}, args));
            assertThat(there.exitCode()).as(there.err()).isZero();
            JsonNode a = new ObjectMapper().readTree(here.out());
            assertThat(new ObjectMapper().readTree(there.out()).get("text")).isEqualTo(a.get("text"));
            assertThat(a.get("generated_tokens").asInt()).isPositive();
            CliRunner.Result score = CliRunner.run("score", "--model", elsewhere.toString(), "--text",
                    "the cat sat on the mat", "--threads", "1", "--json");
            assertThat(score.exitCode()).as(score.err()).isZero();
            // the trained seed knows its corpus: far better than a uniform guess over the vocabulary
            double perplexity = new ObjectMapper().readTree(score.out()).get("perplexity").asDouble();
            assertThat(perplexity).isLessThan(20);
        } finally {
            ai.chorus.core.util.FileTrees.delete(elsewhere.getParent());
        }
    }

    private static String[] cat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void aJobAlreadyRunningElsewhereIsRefused() throws IOException {
        RunDir run = copy("locked");
        Files.createDirectories(run.expertDir(0));
        try (var ch = java.nio.channels.FileChannel.open(run.expertDir(0).resolve(".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             var lock = ch.lock()) {
            CliRunner.Result r = CliRunner.run("train", "--run", run.toString(), "--expert", "0");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err()).contains("being trained");
        }
        assertThat(run.expertDir(0).resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void refusalsNameTheProblem() throws IOException {
        CliRunner.Result out = CliRunner.run("train", "--run", base.toString(), "--expert", "7");
        assertThat(out.exitCode()).isEqualTo(2);
        assertThat(out.err()).contains("--expert 7").contains("0..1");

        RunDir unclustered = copy("unclustered");
        try (var walk = Files.walk(unclustered.clustersDir())) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        CliRunner.Result noClusters = CliRunner.run("train", "--run", unclustered.toString(), "--expert", "0");
        assertThat(noClusters.exitCode()).isEqualTo(2);
        assertThat(noClusters.err()).contains("chorus cluster");

        RunDir mismatched = copy("mismatched");
        Path config = mismatched.seedDir().resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"hidden_size\": 32", "\"hidden_size\": 48"));
        CliRunner.Result bad = CliRunner.run("train", "--run", mismatched.toString(), "--expert", "1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().trim().lines()).hasSize(1);
        assertThat(bad.err()).contains("hidden_size");
        assertThat(mismatched.expertDir(1).resolve("model.safetensors")).doesNotExist();
    }
}
