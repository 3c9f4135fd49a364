package dev.pacer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code pacer batch}: JSONL in, JSONL out. Each subcommand is its own class; the rules every
 * flag (and its {@code pacer.yaml} key) is checked by are {@link BatchFlags}, and a setting is
 * taken from its flag or the file by {@link BatchSettings}.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Runs a JSONL file of Message Batches requests, paced to the quota (or through the Batches API).",
        subcommands = {BatchRunCommand.class, BatchPlanCommand.class, BatchStatusCommand.class, CommandLine.HelpCommand.class})
final class BatchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
