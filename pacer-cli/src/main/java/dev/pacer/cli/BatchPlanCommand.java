package dev.pacer.cli;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchInput;
import dev.pacer.batch.Plan;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.sim.Tier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pacer batch plan}: what a run would send, cost and take, without sending anything. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Validates INPUT.jsonl and prints its request count, estimated tokens, cost (live and Batches,",
                "prompt-cache writes and reads included) and the ETA per model class."})
final class BatchPlanCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "INPUT.jsonl")
    Path input;

    @Option(names = "--via", defaultValue = "auto", description = "messages, batches or auto (costs are shown for both; auto says which it would choose).")
    String via;

    @Option(names = "--tier", defaultValue = "tier-1", description = "Limits per model class for the ETA when --limits is not given: "
            + "tier-1, tier-2, tier-3, tier-4, start, build, scale. Default: ${DEFAULT-VALUE}.")
    String tier;

    @Option(names = "--limits", description = "Limits for the ETA, the same for every model class, e.g. rpm=50,itpm=30000,otpm=8000.")
    String limits;

    @Option(names = "--prices", paramLabel = "PRICES.json", description = "A price table over the list prices, USD per million tokens: "
            + "{\"sonnet-4\": {\"input\": 3, \"output\": 15}, ...} (keys: model classes or model ids).")
    Path prices;

    @Option(names = "--deadline", description = "When the job must be done (ISO-8601), for the --via auto choice.")
    String deadline;

    @Option(names = "--config", paramLabel = "pacer.yaml", description = "The settings of 'batch run' (its limits, classes, prices, via and deadline are used here).")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        BatchSettings set = new BatchSettings(spec, config);
        RunOptions.Via chosen = set.get("--via", "via", via, BatchFlags::via);
        Instant until = set.get("--deadline", "deadline", deadline, BatchFlags::deadline);
        Function<String, Plan.Limits> limitsOf = limitsOf(set);
        Prices table = prices != null ? BatchFlags.prices(prices) : set.prices();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        BatchInput in;
        try {
            in = BatchInput.read(input);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
        int n = in.items().size();
        RunOptions.Via effective = chosen != RunOptions.Via.AUTO ? chosen : RunOptions.chooseVia(n, until, Instant.now());
        if (effective == RunOptions.Via.BATCHES) {
            in = in.forBatches(); // what the Batches API would refuse is a problem of the plan too
        }
        if (!in.problems().isEmpty()) {
            out.println(in.describeProblems());
        }
        in.unknownModelWarnings(table).forEach(out::println);
        String auto = chosen != RunOptions.Via.AUTO ? null : RunOptions.explainVia(n, until, effective);
        Plan.print(in, table, limitsOf, auto, out);
        return in.problems().isEmpty() ? 0 : PacerCommand.USAGE;
    }

    /** The ETA's limits per class: --limits for every class, else the file's (the tier's where it says nothing), else the tier's. */
    private Function<String, Plan.Limits> limitsOf(BatchSettings set) {
        if (limits == null && set.file != null && !set.file.limits.isEmpty()) {
            Function<String, Plan.Limits> fromTier = tierLimits(tier);
            return c -> {
                Plan.Limits l = set.planLimits(c);
                return l != null ? l : fromTier.apply(c);
            };
        }
        if (limits != null) {
            Plan.Limits given = GivenLimits.parse(limits).forPlan("the given limits");
            return c -> given;
        }
        return tierLimits(tier);
    }

    private static Function<String, Plan.Limits> tierLimits(String tier) {
        Tier t;
        try {
            t = Tier.of(tier);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tier: " + e.getMessage());
        }
        return c -> {
            var mc = t.classes().get(c);
            return mc == null ? null : new Plan.Limits(mc.rpm(), mc.itpm(), mc.otpm(), t.id());
        };
    }
}
