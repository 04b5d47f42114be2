package ai.chorus.cli;

import ai.chorus.core.merge.MergeMethods;
import ai.chorus.core.merge.MergeOptions;
import ai.chorus.core.merge.MergeRecipe;
import ai.chorus.core.merge.MergeStep;
import ai.chorus.core.run.RunDir;
import ai.chorus.engine.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

@Command(name = "merge", mixinStandardHelpOptions = true,
        modelTransformer = MergeCommand.MethodsHelp.class,
        description = {"Mix models in parameter space into one model folder (config.json + model.safetensors +",
            "provenance.json) that evaluates, generates and serves like an expert (methods: below).",
            "--method merges all of the run's experts with the method's defaults (the seed as base where one is",
            "needed); --recipe (YAML or JSON) names the method, models, weights and parameters. 'chorus eval' scores",
            "every folder under RUN/merged/ next to the ensembles and the dense model.",
            "Examples:",
            "  chorus merge --run runs/demo --method ties",
            "  chorus merge --run runs/demo --recipe ties.yaml --out runs/demo/merged/ties-d05"})
final class MergeCommand extends RunCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--method", paramLabel = "NAME", completionCandidates = MethodNames.class,
                description = "Merge all of the run's experts with this method's defaults: ${COMPLETION-CANDIDATES}.")
        String method;

        @Option(names = "--recipe", paramLabel = "FILE", description = "A recipe file (.yaml, .yml or .json).")
        Path recipe;
    }

    /** The registry's method names, for --method's help. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MergeMethods.NAMES.iterator();
        }
    }

    /** Help ends with every method's parameters, ranges and defaults, as the registry declares them. */
    static final class MethodsHelp implements IModelTransformer {
        private static final int WIDTH = 80;

        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<String> lines = new ArrayList<>();
            // A method's line, then its parameters' (indented by the registry), each wrapped under itself.
            MergeMethods.help().lines().forEach(line -> wrap("  " + line, lines));
            spec.usageMessage().footerHeading("%nMethods and their recipe parameters:%n")
                    .footer(lines.toArray(String[]::new));
            return spec;
        }

        private static void wrap(String line, List<String> out) {
            String indent = " ".repeat(line.length() - line.stripLeading().length() + 2);
            String rest = line;
            while (rest.length() > WIDTH) {
                int cut = rest.lastIndexOf(' ', WIDTH);
                if (cut <= indent.length()) {
                    break; // one word wider than the line: left whole
                }
                out.add(rest.substring(0, cut));
                rest = indent + rest.substring(cut + 1);
            }
            out.add(rest);
        }
    }

    @Option(names = "--out", paramLabel = "DIR", description = "The model folder to write (default: RUN/merged/ and the"
            + " method's or recipe's name).")
    Path out;

    @Option(names = "--force", description = "Replace --out if it already holds files.")
    boolean force;

    /** The --json object. */
    record Json(String out, String method, List<String> models, int tensors, long elements, long bytesRead,
                long bytesWritten, double seconds) {}

    @Override
    void run() throws Exception {
        RunDir runDir = runDir();
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
        output.result(new Json(r.out().toString(), r.method(), recipe.models(), r.tensors(), r.elements(),
                r.bytesRead(), r.bytesWritten(), r.seconds()));
    }
}
