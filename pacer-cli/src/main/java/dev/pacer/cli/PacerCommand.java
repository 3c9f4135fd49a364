package dev.pacer.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code pacer} command. Exit codes: 0 all done, 1 finished with errored results, 2 bad usage
 * or configuration, 3 interrupted. No stack trace reaches the user: every failure is one sentence.
 */
@Command(name = "pacer", mixinStandardHelpOptions = true, versionProvider = PacerCommand.Version.class,
        description = "Makes every call to the Anthropic API land, and spends the quota to the last token.",
        subcommands = {SimCommand.class, BatchCommand.class, GatewayCommand.class, CommandLine.HelpCommand.class})
public final class PacerCommand implements Runnable {

    /** Finished with errored results. */
    public static final int ERRORED = 1;
    /** Bad usage or configuration. */
    public static final int USAGE = 2;
    /** Interrupted (Ctrl-C, SIGTERM). */
    public static final int INTERRUPTED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        try {
            code = run(args, new PrintWriter(System.out, true), err);
        } catch (Throwable t) {
            // A bug or a broken installation: still one sentence, never a stack trace.
            err.println("pacer: internal error (" + t + "); please report it with the command you ran.");
            code = ERRORED;
        }
        System.exit(code);
    }

    /** Runs the command with these streams; returns the exit code (used by tests too). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new PacerCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("pacer: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandName() + " --help')");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UsageException) {
                err.println("pacer: " + e.getMessage());
                return USAGE;
            }
            err.println("pacer: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return ERRORED;
        });
        return cli.execute(args);
    }

    /** A mistake in the command line or configuration, worded for the user. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PacerCommand.class.getPackage().getImplementationVersion();
            return new String[] {"pacer " + (v == null ? "0.1.0" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
