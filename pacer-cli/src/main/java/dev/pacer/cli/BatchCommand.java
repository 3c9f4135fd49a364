package dev.pacer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pacer batch}: JSONL in, JSONL out. */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Runs a JSONL file of Message Batches requests, paced to the quota (or through the Batches API).",
        subcommands = {CommandLine.HelpCommand.class})
final class BatchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
