package ai.chorus.cli;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.sample.Sampler;
import picocli.CommandLine.Option;

/** How the next token is drawn: temperature, top-k, top-p and the seed, checked into Sampler.Settings. */
final class SamplingOptions {
    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K",
            description = "Sample among the K most likely tokens; 0 = off.")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P",
            description = "Nucleus sampling mass in (0, 1] (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    Sampler.Settings settings() {
        if (!(temperature >= 0) || !Double.isFinite(temperature)) {
            throw new InvalidInputException("--temperature must be a finite number ≥ 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new InvalidInputException("--top-k must be ≥ 0 and --top-p in (0, 1]");
        }
        return new Sampler.Settings(temperature, topK, topP);
    }
}
