package ai.chorus.cli;

import ai.chorus.engine.InvalidInputException;
import picocli.CommandLine.Option;

/** {@code --threads N}: the worker threads of the commands that compute in this process. */
final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    /** The threads to use: the flag's (at least 1), else every core. */
    int count() {
        if (threads != null && threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
