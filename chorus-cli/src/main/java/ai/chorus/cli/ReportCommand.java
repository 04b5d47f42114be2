package ai.chorus.cli;

import ai.chorus.core.report.ReportStep;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write eval/report.html: one self-contained page (no network needed) with the ensemble vs",
            "dense comparison, perplexity per domain, the routing map, training curves, clusters and compute.",
            "Works at any point of a run; parts not computed yet are noted on the page.",
            "Example: chorus report --run runs/demo"})
final class ReportCommand extends RunCommand {
    /** The --json object. */
    record Json(String file, long bytes, int charts, int jobs, boolean evaluated) {}

    @Override
    void run() throws Exception {
        ReportStep.Result result = ReportStep.run(runDir(), ReportStep.Options.now(), ConsoleProgress.detect());
        output.line(String.format(Locale.ROOT, "report: %d charts, %d training jobs, %.1f KB",
                result.charts(), result.jobs(), result.bytes() / 1024.0));
        if (!result.evaluated()) {
            output.line("  no eval/results.json yet: run 'chorus eval --run " + runDir()
                    + "' for the comparison with the dense model");
        }
        output.line("  wrote      " + result.file());
        output.result(new Json(result.file().toString(), result.bytes(), result.charts(), result.jobs(),
                result.evaluated()));
    }
}
