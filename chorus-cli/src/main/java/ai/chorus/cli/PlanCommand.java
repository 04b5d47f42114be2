package ai.chorus.cli;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.train.Plan;
import ai.chorus.core.train.TrainSettings;
import ai.chorus.core.train.TrainStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Print every training job's budget and compute before anything runs.",
            "The first plan or train of a run writes the preset's settings into run.json (edit them there).",
            "Example: chorus plan --run runs/demo --preset demo --budget proportional"})
final class PlanCommand extends RunCommand {
    /** Settings flags shared with {@code chorus train}. */
    static final class SettingsOptions {
        @Option(names = "--preset", paramLabel = "demo|small|base",
                description = "Start the run's train settings from this preset (overwrites run.json's train section).")
        String preset;

        @Option(names = "--budget", paramLabel = "equal|proportional",
                description = "Expert token budgets: equal, or proportional to each expert's share of the data.")
        String budget;
    }

    @Mixin
    SettingsOptions settings;

    /** The --json object. */
    record Json(String run, String preset, int experts, String budget, long parameters, double seedFlops,
                double expertsFlops, double denseFlops, double randomFlops, List<JobJson> jobs) {}

    /** One job of the plan, in the --json object. */
    record JobJson(String job, String kind, int index, String dir, int documents, long steps, long tokens,
                   double flops, long parameters, int intermediateSize) {
        JobJson(Plan.Job j) {
            this(j.name(), j.kind().name().toLowerCase(Locale.ROOT), j.index(), j.dir().toString(),
                    j.trainDocs().length, j.steps(), j.tokens(), j.flops(), j.model().parameterCount(),
                    j.model().intermediateSize());
        }
    }

    @Override
    void run() throws Exception {
        RunDir runDir = runDir();
        TrainSettings s = TrainStep.settings(runDir, settings.preset, settings.budget);
        Plan plan = TrainStep.plan(runDir, s);
        output.line(String.format("Plan for %s (preset %s, %d experts, budget %s, model %,d parameters, "
                        + "batch %d × %d tokens)", runDir, s.preset(), s.experts(), s.budget(),
                plan.seed().model().parameterCount(), s.batch(), s.seqLen()));
        output.line(String.format("  %-10s %8s %12s %12s %10s %9s %11s", "job", "docs", "steps", "tokens", "PFLOP",
                "peak lr", "parameters"));
        List<JobJson> jobs = new ArrayList<>();
        for (Plan.Job j : plan.all()) {
            output.line(String.format("  %-10s %,8d %,12d %,12d %10.4f %9.2g %,11d", j.name(), j.trainDocs().length,
                    j.steps(), j.tokens(), j.flops() / 1e15, j.lr(), j.model().parameterCount()));
            jobs.add(new JobJson(j));
        }
        double ratio = plan.denseFlops() / plan.expertsFlops();
        output.line(String.format("  dense compute / experts' compute = %.4f (%.4g vs %.4g FLOPs)", ratio,
                plan.denseFlops(), plan.expertsFlops()));
        output.result(new Json(runDir.toString(), s.preset(), s.experts(), s.budget(),
                plan.seed().model().parameterCount(), plan.seed().flops(), plan.expertsFlops(), plan.denseFlops(),
                plan.random().stream().mapToDouble(Plan.Job::flops).sum(), jobs));
    }
}
