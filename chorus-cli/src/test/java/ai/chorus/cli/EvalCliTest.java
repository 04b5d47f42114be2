package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCliTest {
    @TempDir
    Path tmp;

    @Test
    void aRunThatDoesNotExistIsOneClearLineAndExitTwo() {
        CliRunner.Result r = CliRunner.run("eval", "--run", tmp.resolve("nothing").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("chorus eval: ").contains("does not exist");
    }

    @Test
    void badFlagValuesAreRefusedBeforeAnyWork() {
        CliRunner.Result r = CliRunner.run("eval", "--run", tmp.toString(), "--reroute", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--reroute");
        CliRunner.Result t = CliRunner.run("eval", "--run", tmp.toString(), "--tau", "-1");
        assertThat(t.exitCode()).isEqualTo(2);
        assertThat(t.err()).contains("--tau");
        CliRunner.Result word = CliRunner.run("eval", "--run", tmp.toString(), "--tau", "sharp");
        assertThat(word.exitCode()).isEqualTo(2);
        assertThat(word.err()).contains("--tau must be 'auto' or a positive number, got 'sharp'");
    }

    @Test
    void helpListsTheFlags() {
        CliRunner.Result r = CliRunner.run("eval", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--reroute").contains("--tau").contains("--max-tokens").contains("--json");
    }
}
