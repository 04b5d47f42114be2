package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chorus prepare} end to end, in-process: output, --json, refusals, and nothing lost on bad input. */
class PrepareCliTest {
    @TempDir
    Path tmp;

    Path corpus;

    @BeforeEach
    void writeCorpus() throws IOException {
        StringBuilder b = new StringBuilder();
        String[] topics = {"the cat sat on the mat and purred", "stocks fell sharply as markets opened",
            "die Katze schläft auf dem Sofa", "猫はマットの上に座った 🐱"};
        for (int i = 0; i < 200; i++) {
            b.append("{\"text\":\"").append(topics[i % 4]).append(" number ").append(i)
                    .append("\",\"topic\":\"t").append(i % 4).append("\"}\n");
        }
        corpus = tmp.resolve("c.jsonl");
        Files.writeString(corpus, b.toString());
    }

    /** Every file under {@code dir} with a digest of its bytes. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), ai.chorus.core.corpus.DocumentId.ofText(
                        java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(p))).hex());
            }
        }
        return files;
    }

    @Test
    void preparesAJsonlCorpusWithLabelsAndReportsJson() throws IOException {
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("prepare", "--run", run.toString(), "--corpus", corpus.toString(),
                "--label-field", "topic", "--vocab", "300", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("documents").asLong()).isEqualTo(200);
        assertThat(json.get("tokens").asLong()).isPositive();
        assertThat(json.get("vocab_size").asInt()).isEqualTo(300);
        assertThat(json.get("labels").asInt()).isEqualTo(4);
        assertThat(r.out().trim().lines()).hasSize(1);
        assertThat(RunDir.of(run).tokenizerJson()).isRegularFile();
        assertThat(RunDir.of(run).dataMeta()).isRegularFile();
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void refusesToOverwriteWithoutForceAndBadInputLeavesTheRunUntouched() throws IOException {
        Path run = tmp.resolve("run");
        assertThat(CliRunner.run("prepare", "--run", run.toString(), "--corpus", corpus.toString(), "--vocab", "300")
                .exitCode()).isZero();
        Map<String, String> before = snapshot(run);

        CliRunner.Result again = CliRunner.run("prepare", "--run", run.toString(), "--corpus", corpus.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already prepared").contains("--force");

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\":\"fine\"}\n{\"text\": oops}\n");
        CliRunner.Result broken = CliRunner.run("prepare", "--run", run.toString(), "--corpus", bad.toString(),
                "--force", "--vocab", "300");
        assertThat(broken.exitCode()).isEqualTo(2);
        assertThat(broken.err().trim().lines()).hasSize(1);
        assertThat(broken.err()).contains(bad + ":2").contains("not valid JSON");

        assertThat(snapshot(run)).isEqualTo(before);
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void eachKindOfBadInputEndsWithOneLineAndExitTwo() throws IOException {
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "\n\n");
        Path noField = tmp.resolve("nofield.jsonl");
        Files.writeString(noField, "{\"body\":\"x\"}\n");
        Path badGz = tmp.resolve("bad.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(badGz))) {
            out.write("{\"text\":\"a\"}\n".repeat(100).getBytes());
        }
        byte[] gz = Files.readAllBytes(badGz);
        Files.write(badGz, java.util.Arrays.copyOf(gz, gz.length / 2));

        String[][] cases = {
            {"--corpus", tmp.resolve("missing.jsonl").toString()},
            {"--corpus", empty.toString()},
            {"--corpus", noField.toString()},
            {"--corpus", badGz.toString()},
            {"--corpus", corpus.toString(), "--vocab", "200"},
            {"--corpus", corpus.toString(), "--split", "90/10"},
        };
        String[] expected = {"does not exist", "no documents", "no field 'text'", "gzip", "--vocab 200", "--split"};
        for (int i = 0; i < cases.length; i++) {
            Path run = tmp.resolve("run" + i);
            String[] args = Stream.concat(Stream.of("prepare", "--run", run.toString()), Stream.of(cases[i]))
                    .toArray(String[]::new);
            CliRunner.Result r = CliRunner.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).contains(expected[i]).startsWith("chorus prepare: ");
            assertThat(r.err().trim().lines()).hasSize(1);
            assertThat(run).doesNotExist();
        }
    }
}
