package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CliBasicsTest {
    @Test
    void versionAndHelpExitZero() {
        CliRunner.Result v = CliRunner.run("--version");
        assertThat(v.exitCode()).isZero();
        assertThat(v.out()).startsWith("chorus ");
        CliRunner.Result h = CliRunner.run("--help");
        assertThat(h.exitCode()).isZero();
        assertThat(h.out()).contains("Usage: chorus").contains("Commands:");
    }

    @Test
    void unknownCommandIsAUsageErrorWithExitTwo() {
        CliRunner.Result r = CliRunner.run("frobnicate");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("chorus: ").contains("frobnicate");
    }

    @Test
    void plainProgressLinesShowCountRateAndEta() {
        ConsoleProgress.PlainTask task = new ConsoleProgress.PlainTask("tokenize", 200, "docs",
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        task.advance(50);
        String line = task.line(System.nanoTime() + 1_000_000_000L);
        assertThat(line).startsWith("tokenize: 50/200 docs (25%)").contains("docs/s").contains("ETA");
        assertThat(ConsoleProgress.formatSeconds(3725)).isEqualTo("1h02m");
        assertThat(ConsoleProgress.formatSeconds(75)).isEqualTo("1m15s");
    }
}
