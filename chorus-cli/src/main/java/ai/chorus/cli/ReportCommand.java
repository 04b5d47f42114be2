package ai.chorus.cli;

import ai.chorus.core.report.ReportStep;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write eval/report.html: one self-contained page (no network needed) with the ensemble vs",
            "dense comparison, perplexity per domain, the routing map, training curves, clusters and compute.",
            "Works at any point of a run; parts not computed yet are noted on the page.",
            "Example: chorus report --run runs/demo"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunOption run;

    @Mixin
    Output output;

    @Override
    public Integer call() throws Exception {
        output.to(spec.commandLine().getOut());
        ReportStep.Result result = ReportStep.run(run.runDir());
        output.line(String.format(java.util.Locale.ROOT, "report: %d charts, %d training jobs, %.1f KB",
                result.charts(), result.jobs(), result.bytes() / 1024.0));
        if (!result.evaluated()) {
            output.line("  no eval/results.json yet: run 'chorus eval --run " + run.runDir()
                    + "' for the comparison with the dense model");
        }
        output.line("  wrote      " + result.file());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file", result.file().toString());
        json.put("bytes", result.bytes());
        json.put("charts", result.charts());
        json.put("jobs", result.jobs());
        json.put("evaluated", result.evaluated());
        output.result(json);
        return 0;
    }
}
