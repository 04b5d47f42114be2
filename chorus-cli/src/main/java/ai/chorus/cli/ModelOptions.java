package ai.chorus.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The model folder a command runs ({@code generate}, {@code score}): --model, --tokenizer and --threads. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A model folder (config.json + model.safetensors).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (default: the model folder's own, else its parents').")
    Path tokenizer;

    @Mixin
    ThreadsOption threads;
}
