package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code chorus demo} takes every flag of {@code chorus prepare} and prepares a new run exactly as prepare does. */
class DemoPrepareFlagsTest {
    @TempDir
    Path tmp;

    @Test
    void everyPrepareFlagIsADemoFlag() {
        CommandLine demo = new CommandLine(new DemoCommand());
        for (OptionSpec o : new CommandLine(new PrepareCommand()).getCommandSpec().options()) {
            assertThat(demo.getCommandSpec().findOption(o.longestName())).as(o.longestName()).isNotNull();
        }
    }

    @Test
    void demoPreparesANewRunAsPrepareDoesWithTheSameFlags() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            b.append("{\"body\":\"").append(TinyRun.TOPICS[i % 4]).append(" number ").append(i)
                    .append("\",\"topic\":\"t").append(i % 4).append("\"}\n");
        }
        Path corpus = tmp.resolve("c.jsonl");
        Files.writeString(corpus, b.toString());
        String[] flags = {"--corpus", corpus.toString(), "--text-field", "body", "--label-field", "topic",
            "--split", "60/20/20", "--vocab", "300", "--tokenizer-sample-mb", "1"};

        Path byDemo = tmp.resolve("demo");
        // more experts than documents: demo prepares, then the clustering refuses, before any training
        CliRunner.Result demo = CliRunner.run(concat(new String[] {"demo", "--run", byDemo.toString(), "--experts",
            "100000", "--threads", "1"}, flags));
        assertThat(demo.exitCode()).as(demo.out() + demo.err()).isEqualTo(2);
        assertThat(demo.err()).contains("--experts 100000 is more than");
        Path byPrepare = tmp.resolve("prepare");
        CliRunner.Result prepare = CliRunner.run(concat(new String[] {"prepare", "--run", byPrepare.toString()}, flags));
        assertThat(prepare.exitCode()).as(prepare.err()).isZero();

        ObjectNode a = (ObjectNode) RunSpec.read(RunDir.of(byDemo)).root().get("prepare");
        ObjectNode p = (ObjectNode) RunSpec.read(RunDir.of(byPrepare)).root().get("prepare");
        a.remove("created");
        p.remove("created");
        assertThat(a.get("split").asText()).isEqualTo(p.get("split").asText()).isNotEqualTo("90/5/5");
        assertThat(a).isEqualTo(p);
        assertThat(Files.mismatch(byDemo.resolve("tokenizer.json"), byPrepare.resolve("tokenizer.json"))).isEqualTo(-1L);

        // a prepared run is not prepared again unless --force says so
        CliRunner.Result again = CliRunner.run(concat(new String[] {"demo", "--run", byDemo.toString(), "--experts",
            "100000", "--threads", "1"}, flags));
        assertThat(again.out()).contains("prepare: done already");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
