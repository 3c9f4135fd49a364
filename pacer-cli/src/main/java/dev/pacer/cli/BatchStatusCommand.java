package dev.pacer.cli;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.Status;
import dev.pacer.cli.PacerCommand.UsageException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pacer batch status}: what a run has done and what is left. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows what a run (finished or interrupted) has done and what is left.")
final class BatchStatusCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RESULTS.jsonl")
    Path results;

    @Override
    public Integer call() {
        try {
            Status.print(results, new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true));
            return 0;
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
