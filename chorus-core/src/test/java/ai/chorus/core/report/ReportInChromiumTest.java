package ai.chorus.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.testing.ExternalReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Opens the fixture's report in headless Chromium through {@code tools/check_report.sh}, the same
 * check a person runs by hand. Skipped, saying why, where Debian's chromium is not installed; under CI=true
 * that fails ({@link ExternalReference}; {@code CHORUS_TEST_CHROMIUM} overrides the browser). The
 * screenshot stays in {@code target/report-check/} to look at.
 */
class ReportInChromiumTest {
    private static final ReportStep.Options GENERATED = ReportStepTest.GENERATED;

    private static final String CHROMIUM = ExternalReference.chromium();

    @Test
    void rendersWithEveryPlotInTheDom() throws IOException, InterruptedException {
        ExternalReference.require(ExternalReference.executable(CHROMIUM), "no " + CHROMIUM);
        Path script = Path.of("..", "tools", "check_report.sh").toAbsolutePath().normalize();
        ExternalReference.require(Files.isRegularFile(script), "tools/check_report.sh not found from "
                + Path.of("").toAbsolutePath());
        Path dir = Path.of("target", "report-check").toAbsolutePath();
        deleteQuietly(dir);
        RunDir run = ReportFixture.write(dir.resolve("run"));
        int charts = ReportStep.run(run, GENERATED, Progress.NONE).charts();
        Path screenshot = dir.resolve("report.png");

        Path log = dir.resolve("check.log");
        ProcessBuilder checker = new ProcessBuilder("bash", script.toString(), run.toString(), screenshot.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        checker.environment().put("CHROMIUM", CHROMIUM);
        Process check = checker.start();
        // A guard against a hung browser, not a timing assertion.
        boolean finished = check.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            check.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("Chromium check still running after 5 minutes: " + output).isTrue();
        assertThat(check.exitValue()).as(output).isZero();
        assertThat(output).contains("ok: " + charts + " plots in " + charts + " chart figures");
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    private static void deleteQuietly(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }
}
