package ai.chorus.cli;

import ai.chorus.core.cluster.ClusterOptions;
import ai.chorus.core.cluster.ClusterRun;
import ai.chorus.core.eval.EvalOptions;
import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.prepare.PrepareOptions;
import ai.chorus.core.prepare.PrepareResult;
import ai.chorus.core.prepare.PrepareStep;
import ai.chorus.core.report.ReportStep;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.train.Plan;
import ai.chorus.core.train.TrainJob;
import ai.chorus.core.train.TrainSettings;
import ai.chorus.core.train.TrainStep;
import ai.chorus.engine.io.Checkpoints;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline with the demo preset, skipping steps already done:",
            "prepare → cluster → train (seed, experts, dense, random split) → eval → report.",
            "Europarl by default.",
            "Example: chorus demo            (writes runs/demo)",
            "         chorus demo --run runs/mine --corpus data.jsonl --label-field domain"})
final class DemoCommand extends ChorusCommand {
    @Option(names = "--run", defaultValue = "runs/demo", paramLabel = "DIR",
            description = "The run directory (default: ${DEFAULT-VALUE}).")
    Path run;

    /** prepare's flags, all of them; they decide a new run (or, with --force, a run started over). */
    @Mixin
    PrepareCommand.PrepareFlags prepare;

    static final int DEFAULT_VOCAB = 4096;

    @Option(names = "--experts", defaultValue = "8", paramLabel = "K",
            description = "Expert domains for a new run (default: ${DEFAULT-VALUE}; more, purer domains make"
                    + " stronger experts on Europarl).")
    int experts;

    @Mixin
    ThreadsOption threads;

    @Override
    void run() throws Exception {
        long start = System.nanoTime();
        int t = threads.count();
        RunDir runDir = RunDir.of(run);
        var progress = ConsoleProgress.detect();

        PrepareOptions prepareOptions = prepare.options(DEFAULT_VOCAB); // checked before anything runs
        if (!runDir.isPrepared() || prepare.force) {
            output.line("== prepare: " + prepare.corpus + " → " + runDir);
            PrepareResult p = PrepareStep.run(runDir, prepareOptions, progress);
            output.line(String.format("   %,d documents, %,d tokens, vocab %,d", p.documents(), p.tokens(), p.vocabSize()));
        } else {
            output.line("== prepare: done already (" + runDir + "; prepare's flags apply to a new run, --force starts"
                    + " over)");
        }
        if (!runDir.isClustered()) {
            output.line("== cluster: " + experts + " experts");
            var summary = ClusterRun.run(runDir,
                    new ClusterRun.Options(ClusterOptions.defaults(experts).withThreads(t), false), progress);
            output.line(summary.toText().stripTrailing().indent(3).stripTrailing());
        } else {
            output.line("== cluster: done already");
        }
        TrainSettings settings = TrainStep.settings(runDir, null, null);
        Plan plan = TrainStep.plan(runDir, settings);
        for (Plan.Job job : plan.all()) {
            if (TrainStep.isUpToDate(runDir, plan, job)) {
                continue;
            }
            output.line("== train " + job.name() + " (" + job.steps() + " steps)");
            TrainJob.Result r = TrainJob.run(runDir, new TrainJob.Options(plan, job, t, true, false), progress);
            output.line(String.format("   loss %.3f, validation %.3f, %.0f s", r.finalTrainLoss(), r.finalValidLoss(),
                    r.seconds()));
        }
        Path results = runDir.evalResults();
        EvalResults evaluated;
        if (Files.isRegularFile(results) && newerThanEveryModel(results, plan) && EvalStep.isCurrent(results)) {
            output.line("== eval: done already");
            evaluated = JsonFiles.read(results, EvalResults.class);
        } else {
            output.line("== eval");
            evaluated = EvalStep.run(runDir, EvalOptions.defaults().withThreads(t), progress);
        }
        ReportStep.Result report = ReportStep.run(runDir, ReportStep.Options.now(), progress);
        double wall = (System.nanoTime() - start) / 1e9;
        output.line("");
        output.line(EvalStep.table(evaluated).stripTrailing());
        output.line("");
        output.line(headline(evaluated));
        output.line("report: " + report.file());
        output.line(String.format("done in %.0f s", wall));
        ObjectNode json = RunSpec.JSON.valueToTree(evaluated);
        json.put("wall_seconds", wall);
        json.put("report", report.file().toString());
        output.result(json);
    }

    /**
     * The sentence the demo exists for: the window-routed ensembles against the compute-matched dense model,
     * each with its 95 % interval and the claim the interval allows (beats dense only if it lies wholly below 0).
     */
    static String headline(EvalResults results) {
        double dense = results.perplexityOf("dense");
        String sparse = "";
        if (results.scored("adaptive")) {
            sparse = String.format(Locale.ROOT, "adaptive router (%.2f experts/token): perplexity %.2f vs dense"
                            + " %.2f, %s; ", results.expertsPerTokenOf("adaptive"),
                    results.perplexityOf("adaptive"), dense, claim(results, "adaptive", dense));
        }
        return sparse + String.format(Locale.ROOT, "centroid-routed ensemble (k=2): perplexity %.2f vs dense"
                        + " %.2f, %s; hybrid router (k=2) %.2f, %s; random split %.2f, %s",
                results.perplexityOf("centroid_k2"), dense, claim(results, "centroid_k2", dense),
                results.perplexityOf("hybrid"), claim(results, "hybrid", dense),
                results.perplexityOf("random_split"), claim(results, "random_split", dense));
    }

    /** "-21.3% [-25.0, -17.2]: beats dense", or the bare change and why there is no claim. */
    private static String claim(EvalResults results, String key, double dense) {
        String change = String.format(Locale.ROOT, "%+.1f%%", 100 * (results.perplexityOf(key) / dense - 1));
        return results.interval(key)
                .map(ci -> String.format(Locale.ROOT, "%s [%+.1f, %+.1f]: %s", change, ci.low(), ci.high(),
                        ci.verdict().phrase()))
                .orElse(change + " (no interval in results.json; re-run 'chorus eval')");
    }

    private static boolean newerThanEveryModel(Path results, Plan plan) throws IOException {
        var stamp = Files.getLastModifiedTime(results);
        for (Plan.Job job : plan.all()) {
            Path model = job.dir().resolve(Checkpoints.WEIGHTS_FILE);
            if (Files.exists(model) && Files.getLastModifiedTime(model).compareTo(stamp) > 0) {
                return false;
            }
        }
        return true;
    }
}
