package ai.chorus.cli;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.eval.EvalOptions;
import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.eval.RouterContext;
import ai.chorus.engine.InvalidInputException;
import java.util.OptionalDouble;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Test perplexity of the seed, the dense baseline, every expert, every merged model in",
            "RUN/merged/ and the routed ensembles (centroid and posterior at k = 1, 2, all; uniform; oracle;",
            "random split), overall, per domain and per label, with routing accuracy and experts run per token.",
            "Writes eval/results.json. Routers read only the window the models see (--router-context).",
            "The centroid router's temperature is chosen on the validation split unless --tau gives one.",
            "Examples:",
            "  chorus eval --run runs/demo",
            "  chorus eval --run runs/demo --reroute 16 --tau 0.1 --max-tokens 100000 --json"})
final class EvalCommand extends RunCommand {
    @Option(names = "--tau", paramLabel = "auto|T", defaultValue = "auto",
            description = "Temperature of the centroid router's softmax over -distance²; 'auto' chooses it on the"
                    + " validation split (default: ${DEFAULT-VALUE}).")
    String tau;

    @Option(names = "--reroute", paramLabel = "N", defaultValue = "" + EvalOptions.DEFAULT_REROUTE,
            description = "Route again every N tokens on the context seen so far (default: ${DEFAULT-VALUE}).")
    int reroute;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "" + EvalOptions.DEFAULT_MAX_TOKENS,
            description = "Score at most N test tokens, whole documents in a fixed pseudo-random order "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxTokens;

    @Option(names = "--centroids", paramLabel = "cosine|fine|expert", defaultValue = EvalOptions.DEFAULT_CENTROIDS,
            description = "Centroid router distance: the angle to the expert's nearest fine centroid, the Euclidean"
                    + " distance to it, or to the expert's single centroid (default: ${DEFAULT-VALUE}).")
    String centroids;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--split", paramLabel = "test|valid", defaultValue = "test",
            description = "The documents scored: test, or valid to choose settings (e.g. merge parameters) without"
                    + " looking at the test set (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--router-context", paramLabel = "window|document", defaultValue = "window",
            description = "What the routers read: 'window' — the tokens the models see, the headline; 'document' also"
                    + " scores every routed ensemble with document memory, as rows ending in"
                    + " " + EvalStep.DOCUMENT_MEMORY_SUFFIX + " (information the dense model does not get)"
                    + " (default: ${DEFAULT-VALUE}).")
    String routerContext;

    @Override
    void run() throws Exception {
        Split scored = switch (split) {
            case "test" -> Split.TEST;
            case "valid" -> Split.VALID;
            default -> throw new InvalidInputException("--split must be test or valid, got '" + split + "'");
        };
        EvalOptions options = new EvalOptions(parseTau(tau), reroute, maxTokens, threads.count(), centroids, scored,
                RouterContext.of(routerContext));
        EvalResults results = EvalStep.run(runDir(), options, ConsoleProgress.detect());
        output.line(EvalStep.table(results));
        output.line("wrote " + runDir().evalResults());
        output.result(results);
    }

    static OptionalDouble parseTau(String value) {
        if (value.equals("auto")) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(value));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--tau must be 'auto' or a positive number, got '" + value + "'");
        }
    }
}
