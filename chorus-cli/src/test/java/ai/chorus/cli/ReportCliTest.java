package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCliTest {
    @Test
    void unpreparedRunIsExitTwoWithOneClearLine(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("report", "--run", dir.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("chorus report: ").contains("chorus prepare").doesNotContain("\tat ");
    }

    @Test
    void writesTheReportOfAPreparedRunAndSaysWhere(@TempDir Path dir) throws IOException {
        RunDir run = RunDir.of(dir);
        Files.createDirectories(run.dataDir());
        Files.writeString(run.runJson(), "{\"prepare\": {\"corpus\": \"europarl\"}}");
        Files.writeString(run.tokenizerJson(), "{}");
        Files.writeString(run.dataMeta(), "{}");

        CliRunner.Result text = CliRunner.run("report", "--run", dir.toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("chorus eval --run", "report.html");
        assertThat(dir.resolve("eval/report.html")).isRegularFile();

        CliRunner.Result json = CliRunner.run("report", "--run", dir.toString(), "--json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.out().strip()).startsWith("{").endsWith("}").contains("\"evaluated\":false", "\"charts\":0");
    }
}
