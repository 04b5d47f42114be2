package ai.chorus.cli;

import ai.chorus.core.merge.MergeMethods;
import ai.chorus.core.merge.MergeOptions;
import ai.chorus.core.merge.MergeRecipe;
import ai.chorus.core.merge.MergeStep;
import ai.chorus.core.run.RunDir;
import ai.chorus.engine.InvalidInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Mix models in parameter space into one model folder (config.json + model.safetensors +",
            "provenance.json) that evaluates, generates and serves like an expert. Methods: "
                + "average, task-arithmetic, ties, dare, slerp.",
            "--method merges all of the run's experts with the method's defaults (the seed as base where one is",
            "needed); --recipe (YAML or JSON) names the method, models, weights and parameters. 'chorus eval' scores",
            "every folder under RUN/merged/ next to the ensembles and the dense model.",
            "Examples:",
            "  chorus merge --run runs/demo --method ties",
            "  chorus merge --run runs/demo --recipe ties.yaml --out runs/demo/merged/ties-d05"})
final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunOption run;

    @Mixin
    Output output;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--method", paramLabel = "NAME", description = "Merge all of the run's experts with this"
                + " method's defaults: average, task-arithmetic, ties, dare, slerp.")
        String method;

        @Option(names = "--recipe", paramLabel = "FILE", description = "A recipe file (.yaml, .yml or .json).")
        Path recipe;
    }

    @Option(names = "--out", paramLabel = "DIR", description = "The model folder to write (default: RUN/merged/ and the"
            + " method's or recipe's name).")
    Path out;

    @Option(names = "--force", description = "Replace --out if it already holds files.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        output.to(spec.commandLine().getOut());
        RunDir runDir = run.runDir();
        MergeRecipe recipe;
        String name;
        if (what.recipe != null) {
            recipe = MergeRecipe.read(what.recipe);
            String file = what.recipe.getFileName().toString();
            name = file.contains(".") ? file.substring(0, file.lastIndexOf('.')) : file;
        } else {
            if (!MergeMethods.NAMES.contains(what.method)) {
                throw new InvalidInputException("--method must be one of " + String.join(", ", MergeMethods.NAMES)
                        + ", got '" + what.method + "'");
            }
            recipe = MergeRecipe.of("--method " + what.method, what.method, MergeStep.runExperts(runDir));
            name = what.method;
        }
        Path target = out != null ? out : MergeStep.defaultOut(runDir, name);
        MergeStep.Result r = MergeStep.run(runDir, new MergeOptions(recipe, what.recipe, target, force),
                ConsoleProgress.detect());
        output.line(String.format(Locale.ROOT, "merged %d models with %s: %d tensors, %.1f MB in %.2f s"
                        + " (%.2f GB/s read, %.2f GB/s written)", recipe.models().size(), r.method(), r.tensors(),
                r.bytesWritten() / 1e6, r.seconds(), r.bytesRead() / 1e9 / r.seconds(),
                r.bytesWritten() / 1e9 / r.seconds()));
        output.line("wrote " + r.out());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("out", r.out().toString());
        json.put("method", r.method());
        json.put("models", recipe.models());
        json.put("tensors", r.tensors());
        json.put("elements", r.elements());
        json.put("bytes_read", r.bytesRead());
        json.put("bytes_written", r.bytesWritten());
        json.put("seconds", r.seconds());
        output.result(json);
        return 0;
    }
}
