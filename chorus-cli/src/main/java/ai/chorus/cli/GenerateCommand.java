package ai.chorus.cli;

import ai.chorus.core.generate.TextGenerator;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.sample.Sampler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with one model folder (an expert, the seed or the dense model).",
            "Example: chorus generate --model runs/demo/experts/e00 --prompt \"The Commission\" --max-tokens 40"})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Output output;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder (config.json + model.safetensors).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (default: found in the model folder or its parents).")
    Path tokenizer;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "At most N new tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample among the K most likely tokens; 0 = off.")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "Nucleus sampling mass in (0, 1] (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        output.to(spec.commandLine().getOut());
        if (maxTokens < 1) {
            throw new InvalidInputException("--max-tokens must be at least 1, got " + maxTokens);
        }
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new InvalidInputException("--temperature must be a finite number ≥ 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new InvalidInputException("--top-k must be ≥ 0 and --top-p in (0, 1]");
        }
        if (threads != null && threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        Sampler.Settings settings = new Sampler.Settings(temperature, topK, topP);
        PrintWriter out = spec.commandLine().getOut();
        try (TextGenerator g = TextGenerator.open(model, tokenizer,
                threads != null ? threads : Runtime.getRuntime().availableProcessors())) {
            if (!output.json) {
                out.print(prompt);
                out.flush();
            }
            TextGenerator.Result r = g.generate(prompt, maxTokens, settings, seed, piece -> {
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
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("prompt", prompt);
            json.put("text", r.text());
            json.put("prompt_tokens", r.promptTokens());
            json.put("generated_tokens", r.generatedTokens());
            json.put("stop_reason", r.stopReason());
            json.put("seconds", r.seconds());
            output.result(json);
        }
        return 0;
    }
}
