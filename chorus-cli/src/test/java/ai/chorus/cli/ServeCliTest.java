package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chorus serve} refuses what it cannot serve with one line and exit code 2 (the HTTP API is tested in chorus-server). */
class ServeCliTest {

    @Test
    void refusesARunThatDoesNotExist(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("serve", "--run", dir.resolve("missing").toString(), "--port", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("chorus serve: run directory").contains("does not exist");
    }

    @Test
    void refusesRoutersThatNeedMoreThanThePrompt(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("serve", "--run", dir.toString(), "--router", "posterior");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--router must be one of adaptive, hybrid, centroid, uniform");
    }

    @Test
    void acceptsTheHybridRouter(@TempDir Path dir) {
        // The options pass; what stops this server is the empty run, not the router.
        CliRunner.Result r = CliRunner.run("serve", "--run", dir.toString(), "--port", "0", "--router", "hybrid");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("--router");
    }

    @Test
    void theDefaultRouterIsEvalsAdaptiveOne() {
        CliRunner.Result r = CliRunner.run("serve", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().replaceAll("\\s+", " ")).contains("(default: adaptive)");
    }

    @Test
    void refusesBadLimits(@TempDir Path dir) {
        assertThat(CliRunner.run("serve", "--run", dir.toString(), "--workers", "0").err()).contains("--workers");
        assertThat(CliRunner.run("serve", "--run", dir.toString(), "--timeout", "0").exitCode()).isEqualTo(2);
        assertThat(CliRunner.run("serve", "--run", dir.toString(), "--top-k", "0").exitCode()).isEqualTo(2);
    }
}
