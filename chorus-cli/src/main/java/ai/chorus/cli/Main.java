package ai.chorus.cli;

import ai.chorus.core.Chorus;
import ai.chorus.engine.InvalidInputException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code chorus} command: one subcommand per step of the pipeline. */
@Command(name = "chorus",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Train a language model as a chorus of independent experts:",
            "cluster a corpus into domains, branch one expert per domain from a seed,",
            "train each alone, and mix them again."},
        subcommands = {PrepareCommand.class, ClusterCommand.class, PlanCommand.class, TrainCommand.class,
            EvalCommand.class, ReportCommand.class, DemoCommand.class, GenerateCommand.class, ScoreCommand.class, MergeCommand.class,
            BenchCommand.class, ServeCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 2 bad input or usage, 1 internal error). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, writing results to {@code out} and messages to {@code err}. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::handleException);
        cli.setParameterExceptionHandler(Main::handleUsageError);
        return cli.execute(args);
    }

    private static int handleException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        boolean json = leaf.hasMatchedOption("--json");
        InvalidInputException bad = findCause(e, InvalidInputException.class);
        if (bad != null) {
            return fail(cmd, json, bad.getMessage(), null);
        }
        OutOfMemoryError oom = findCause(e, OutOfMemoryError.class);
        if (oom != null) {
            return fail(cmd, json, "out of memory; raise the heap with CHORUS_HEAP=8g "
                    + "(the ./chorus launcher passes it as -Xmx) or lower the batch/model size", null);
        }
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + "internal error (a bug in Chorus, please report it):");
        e.printStackTrace(err);
        err.flush();
        if (json) {
            cmd.getOut().println(ErrorJson.of("internal error (a bug in Chorus, please report it): " + e, null));
            cmd.getOut().flush();
        }
        return 1;
    }

    /** Usage errors: picocli's message and suggestions, in one line, exit 2. */
    private static int handleUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        StringBuilder message = new StringBuilder(e.getMessage().strip());
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message.append("; did you mean ").append(String.join(" or ", u.getSuggestions())).append('?');
        }
        message.append(" (see 'chorus ").append(cmd.getParent() == null ? "" : cmd.getCommandName() + " ")
                .append("--help')");
        String flag = e.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName() : null;
        return fail(cmd, Arrays.asList(args).contains("--json"), message.toString(), flag);
    }

    /**
     * A user's error: one line on stderr and, with {@code --json}, one {@code {"error": …}} object on stdout
     * (nothing else is printed there when a command fails).
     */
    private static int fail(CommandLine cmd, boolean json, String message, String flag) {
        String line = ErrorJson.oneLine(message);
        cmd.getErr().println(prefix(cmd) + line);
        cmd.getErr().flush();
        if (json) {
            cmd.getOut().println(ErrorJson.of(line, flag));
            cmd.getOut().flush();
        }
        return 2;
    }

    /** "chorus: " or "chorus prepare: ", so a message names the step it came from. */
    private static String prefix(CommandLine cmd) {
        return cmd.getParent() == null ? "chorus: " : "chorus " + cmd.getCommandName() + ": ";
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chorus " + Chorus.VERSION,
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
