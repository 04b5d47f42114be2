package ai.chorus.cli;

import ai.chorus.core.run.RunDir;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --run DIR}, taken by every step. */
final class RunOption {
    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "The run directory that holds every file of the run.")
    Path run;

    RunDir runDir() {
        return RunDir.of(run);
    }
}
