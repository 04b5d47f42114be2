package ai.chorus.cli;

import ai.chorus.core.train.Plan;
import ai.chorus.core.train.TrainSettings;
import ai.chorus.core.train.TrainStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Print every training job's budget and compute before anything runs.",
            "The first plan or train of a run writes the preset's settings into run.json (edit them there).",
            "Example: chorus plan --run runs/demo --preset demo --budget proportional"})
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunOption run;

    @Mixin
    Output output;

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

    @Override
    public Integer call() throws Exception {
        output.to(spec.commandLine().getOut());
        TrainSettings s = TrainStep.settings(run.runDir(), settings.preset, settings.budget);
        Plan plan = TrainStep.plan(run.runDir(), s);
        output.line(String.format("Plan for %s (preset %s, %d experts, budget %s, model %,d parameters, "
                        + "batch %d × %d tokens)", run.runDir(), s.preset(), s.experts(), s.budget(),
                plan.seed().model().parameterCount(), s.batch(), s.seqLen()));
        output.line(String.format("  %-10s %8s %12s %12s %10s %9s %11s", "job", "docs", "steps", "tokens", "PFLOP",
                "peak lr", "parameters"));
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (Plan.Job j : plan.all()) {
            output.line(String.format("  %-10s %,8d %,12d %,12d %10.4f %9.2g %,11d", j.name(), j.trainDocs().length,
                    j.steps(), j.tokens(), j.flops() / 1e15, j.lr(), j.model().parameterCount()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("job", j.name());
            m.put("kind", j.kind().name().toLowerCase(Locale.ROOT));
            m.put("index", j.index());
            m.put("dir", j.dir().toString());
            m.put("documents", j.trainDocs().length);
            m.put("steps", j.steps());
            m.put("tokens", j.tokens());
            m.put("flops", j.flops());
            m.put("parameters", j.model().parameterCount());
            m.put("intermediate_size", j.model().intermediateSize());
            jobs.add(m);
        }
        double ratio = plan.denseFlops() / plan.expertsFlops();
        output.line(String.format("  dense compute / experts' compute = %.4f (%.4g vs %.4g FLOPs)", ratio,
                plan.denseFlops(), plan.expertsFlops()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run", run.runDir().toString());
        json.put("preset", s.preset());
        json.put("experts", s.experts());
        json.put("budget", s.budget());
        json.put("parameters", plan.seed().model().parameterCount());
        json.put("seed_flops", plan.seed().flops());
        json.put("experts_flops", plan.expertsFlops());
        json.put("dense_flops", plan.denseFlops());
        json.put("random_flops", plan.random().stream().mapToDouble(Plan.Job::flops).sum());
        json.put("jobs", jobs);
        output.result(json);
        return 0;
    }
}
