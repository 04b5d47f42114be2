package ai.chorus.cli;

import ai.chorus.core.generate.TextGenerator;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.sample.Sampler;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with one model folder (an expert, the seed or the dense model).",
            "Example: chorus generate --model runs/demo/experts/e00 --prompt \"The Commission\" --max-tokens 40"})
final class GenerateCommand extends ChorusCommand {
    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "At most N new tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    /** The --json object. */
    record Json(String prompt, String text, int promptTokens, int generatedTokens, String stopReason, double seconds) {}

    @Override
    void run() throws Exception {
        if (maxTokens < 1) {
            throw new InvalidInputException("--max-tokens must be at least 1, got " + maxTokens);
        }
        Sampler.Settings settings = sampling.settings();
        int threads = model.threads.count();
        PrintWriter out = spec.commandLine().getOut();
        try (TextGenerator g = TextGenerator.open(model.model, model.tokenizer, threads)) {
            if (!output.json) {
                out.print(prompt);
                out.flush();
            }
            TextGenerator.Result r = g.generate(prompt, maxTokens, settings, sampling.seed, piece -> {
                if (!output.json) {
                    out.print(piece);
                    out.flush();
                }
            });
            if (!output.json) {
                out.println();
                spec.commandLine().getErr().printf("(%d prompt + %d generated tokens, %.1f tokens/s, stopped: %s)%n",
                        r.promptTokens(), r.generatedTokens(), r.generatedTokens() / Math.max(r.seconds(), 1e-9),
                        r.stopReason());
            }
            output.result(new Json(prompt, r.text(), r.promptTokens(), r.generatedTokens(), r.stopReason(),
                    r.seconds()));
        }
    }
}
