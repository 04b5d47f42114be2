package ai.chorus.cli;

import ai.chorus.core.run.RunDir;
import picocli.CommandLine.Mixin;

/** A step on one run directory: {@code --run DIR}, required. */
abstract class RunCommand extends ChorusCommand {
    @Mixin
    RunOption runOption;

    RunDir runDir() {
        return runOption.runDir();
    }
}
