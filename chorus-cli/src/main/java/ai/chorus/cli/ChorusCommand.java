package ai.chorus.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command shares: its picocli spec and where its results go ({@code --json} or text on the
 * command line's stdout), set up before {@link #run()}; a command that returns has succeeded (exit 0).
 */
abstract class ChorusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Output output;

    @Override
    public final Integer call() throws Exception {
        output.to(spec.commandLine().getOut());
        run();
        return 0;
    }

    /** The command's work; user errors are thrown as InvalidInputException, printed by Main. */
    abstract void run() throws Exception;
}
