package dev.pacer.cli;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchInput;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.DailyWindow;
import dev.pacer.batch.Plan;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.batch.Status;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScaledClock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pacer batch}: JSONL in, JSONL out. */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Runs a JSONL file of Message Batches requests, paced to the quota (or through the Batches API).",
        subcommands = {BatchCommand.Run.class, BatchCommand.PlanCmd.class, BatchCommand.StatusCmd.class, CommandLine.HelpCommand.class})
final class BatchCommand implements Runnable {

    /** The simulator's speed when no API key is set: a few minutes of Tier-1 traffic in under a minute. */
    static final double BUILT_IN_SIM_SCALE = 10;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static RunOptions.Via via(String text) {
        return switch (text) {
            case "messages" -> RunOptions.Via.MESSAGES;
            case "batches" -> RunOptions.Via.BATCHES;
            case "auto" -> RunOptions.Via.AUTO;
            default -> throw new UsageException("--via '" + text + "' is not allowed; use messages, batches or auto.");
        };
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Runs INPUT.jsonl into RESULTS.jsonl, resuming if RESULTS.jsonl exists.",
                    "With no ANTHROPIC_API_KEY and no --base-url it runs against the built-in simulator."})
    static final class Run implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "INPUT.jsonl", description = "Message Batches request lines: {\"custom_id\": ..., \"params\": {...}}.")
        Path input;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "RESULTS.jsonl", description = "Results (Message Batches result lines), appended and resumable.")
        Path output;

        @Option(names = "--via", defaultValue = "messages", description = {"messages (paced live calls), batches (Message Batches API, half price) or auto.",
                "auto: batches for 1,000 requests or more unless --deadline is within 24 hours (batches may take that long), else messages.",
                "Default: ${DEFAULT-VALUE}."})
        String via;

        @Option(names = "--base-url", description = "The API's base URL (default: https://api.anthropic.com, or the built-in simulator without a key).")
        String baseUrl;

        @Option(names = "--sim", description = "Run against the built-in simulator even if ANTHROPIC_API_KEY is set.")
        boolean sim;

        @Option(names = "--fallback", split = ",", paramLabel = "MODEL", description = "Models to fall back to, in order.")
        List<String> fallback = List.of();

        @Option(names = "--max-cost", paramLabel = "USD", description = "A ceiling in US dollars: a request (or a batch) is sent only if what was spent plus the most it and the calls in flight can cost stays under it.")
        Double maxCost;

        @Option(names = "--concurrency", defaultValue = "auto", description = {"Calls in flight at most, for the whole run: a number"
                + " (requests waiting for quota count too), or auto: adaptive per model pool, starting at 16, cut by 10% on each"
                + " overload or timeout and grown by one per success while at least half is used. Default: ${DEFAULT-VALUE}."})
        String concurrency;

        @Option(names = "--limits", description = "Known limits for every model, e.g. rpm=50,itpm=30000,otpm=8000 (default: learned from the API's headers).")
        String limits;

        @Option(names = "--window", paramLabel = "HH:MM-HH:MM", description = "Start live calls only inside this daily window, e.g. 22:00-06:00 or 22:00-06:00@UTC.")
        String window;

        @Option(names = "--deadline", description = "When the job must be done (ISO-8601); --via auto uses it.")
        String deadline;

        @Option(names = "--prices", paramLabel = "PRICES.json", description = "A price table over the list prices (as for 'batch plan'), for the cost figures and --max-cost.")
        Path prices;

        @Option(names = "--skip-invalid", description = "Record invalid lines as errored results and run the rest.")
        boolean skipInvalid;

        @Option(names = "--allow-changed-input", description = "Resume even though the input file changed since the run started.")
        boolean allowChangedInput;

        @Option(names = "--retry-errored", description = {"Send again the requests whose result in RESULTS.jsonl is errored with an error"
                + " worth retrying (overloaded_error, api_error, rate_limit_error, timeout_error; never a request error such as"
                + " invalid_request_error).", "Each line is replaced in place (the file is rewritten atomically), so every custom_id"
                + " stays in it exactly once, even after a kill."})
        boolean retryErrored;

        @Option(names = "--grace", defaultValue = "30s", description = "How long calls in flight may finish after Ctrl-C. Default: ${DEFAULT-VALUE}.")
        String grace;

        @Option(names = "--progress", defaultValue = "auto", description = "bar, log or auto (a bar on a terminal). Default: ${DEFAULT-VALUE}.")
        String progress;

        @Option(names = "--config", paramLabel = "pacer.yaml", description = "Settings in YAML: base-url, via, fallback, max-cost, concurrency, "
                + "window, grace, deadline, limits, classes (limits per model class), prices. Flags win over the file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            // Every flag (and the config file) is checked before anything starts: a typo costs
            // nothing and is the only thing said.
            Settings set = new Settings(spec, config);
            RunOptions.Via chosenVia = set.get("--via", "via", via, BatchCommand::via);
            Integer maxInFlight = set.get("--concurrency", "concurrency", concurrency, BatchCommand::concurrency);
            DailyWindow dailyWindow = set.get("--window", "window", window, BatchCommand::window);
            Instant until = set.get("--deadline", "deadline", deadline, BatchCommand::deadline);
            Duration graceTime = set.get("--grace", "grace", grace, t -> duration("--grace", t));
            Map<String, Map<Dimension, Limit>> knownLimits = limits != null ? limitsForAll(limits) : set.limits();
            boolean bar = progressBar(progress);
            Prices table = prices != null ? prices(prices) : set.prices();
            Double cap = set.get("--max-cost", "max-cost", maxCost == null ? null : String.valueOf(maxCost), BatchCommand::maxCost);
            List<String> fallbacks = fallback.stream().map(String::trim).filter(m -> !m.isEmpty()).toList();
            if (fallback.size() > 0 && fallbacks.isEmpty()) {
                throw new UsageException("--fallback names no model; give model ids separated by commas, like --fallback claude-haiku-4-5.");
            }
            if (fallback.isEmpty() && set.file != null) {
                fallbacks = set.file.fallback;
            }
            String baseUrl = set.get("--base-url", "base-url", this.baseUrl, t -> {
                checkUrl(t);
                return t;
            });
            PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
            String key = System.getenv("ANTHROPIC_API_KEY");
            boolean noKey = key == null || key.isBlank();
            SimServer builtIn = null;
            String url = baseUrl;
            PacerClock clock = PacerClock.system();
            PacerScheduler scheduler = PacerScheduler.system();
            if (sim || (baseUrl == null && noKey)) {
                builtIn = SimServer.builder().tier(Tier.TIER_1).timeScale(BUILT_IN_SIM_SCALE).seed(42).start();
                url = builtIn.baseUrl();
                key = "sk-ant-built-in-simulator";
                ScaledClock scaled = new ScaledClock(builtIn.clock().now(), BUILT_IN_SIM_SCALE);
                clock = scaled;
                scheduler = scaled;
                out.println((noKey ? "No ANTHROPIC_API_KEY set" : "--sim") + ": running against the built-in simulator (Tier 1 limits per"
                        + " model class, e.g. Sonnet 4.x 50 RPM, 30,000 ITPM, 8,000 OTPM; time runs " + (int) BUILT_IN_SIM_SCALE
                        + "x faster, so rates below are per simulated minute).");
            } else if (noKey) {
                throw new UsageException("--base-url is set but ANTHROPIC_API_KEY is not; export the key for that endpoint (any value for a simulator).");
            }
            if (url == null) {
                url = "https://api.anthropic.com";
            }
            RunOptions options = new RunOptions(input, output, chosenVia, url, key, fallbacks, cap, maxInFlight,
                    skipInvalid, allowChangedInput, dailyWindow, until, graceTime, knownLimits, clock, scheduler, out,
                    bar, table, builtIn != null ? Duration.ofSeconds(2) : Duration.ofSeconds(10), builtIn != null, retryErrored);
            BatchRunner runner = new BatchRunner(options);
            CountDownLatch printed = new CountDownLatch(1);
            boolean[] interrupted = {false};
            Thread hook = new Thread(() -> {
                interrupted[0] = true;
                out.println();
                out.println("Stopping: no new requests; calls in flight get " + grace + " to finish...");
                runner.stop();
                try {
                    runner.awaitFinished(options.grace().plusSeconds(10));
                    printed.await(options.grace().plusSeconds(15).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
                out.flush();
                Runtime.getRuntime().halt(PacerCommand.INTERRUPTED);
            }, "pacer-batch-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                BatchRunner.Summary s = runner.run();
                summary(s, out);
                if (s.ending() == BatchRunner.Ending.STOPPED) {
                    List<String> again = options.resumeFlags();
                    out.println("To resume: pacer batch run " + input + " -o " + output + (again.isEmpty() ? "" : " " + String.join(" ", again))
                            + (config != null ? " --config " + config : ""));
                    printed.countDown();
                    // Stopped before the end for any reason (Ctrl-C, the cost cap, an API that does not
                    // answer): not finished, so not 1; rerunning the same command resumes.
                    return PacerCommand.INTERRUPTED;
                }
                printed.countDown();
                return s.ending() == BatchRunner.Ending.DONE ? 0 : PacerCommand.ERRORED;
            } catch (BatchException e) {
                printed.countDown();
                throw new UsageException(e.getMessage());
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it halts with the interrupted code
                }
                if (builtIn != null) {
                    builtIn.close();
                }
            }
        }

        private static void summary(BatchRunner.Summary s, PrintStream out) {
            out.println();
            out.printf("%s: %,d succeeded, %,d errored of %,d (%,d were already done) in %s via %s%n",
                    switch (s.ending()) {
                        case DONE -> "Done";
                        case DONE_WITH_ERRORS -> "Done with errors";
                        case STOPPED -> "Stopped (" + s.stoppedBecause() + ")";
                    }, s.succeeded(), s.errored(), s.total(), s.skippedAsDone(), human(s.wall()), s.via());
            out.printf("This session: tokens %,d in, %,d out; cost ~$%.4f; attempts %,d (retries %,d, fallbacks %,d); 429s %,d, 529s %,d%n",
                    s.inputTokens(), s.outputTokens(), s.costUsd(), s.attempts(), s.retries(), s.fallbacks(), s.wire429(), s.wire529());
            if (s.unanswered() > 0) {
                out.printf("%,d requests got no answer from the API (connection failures or timeouts) and have no result yet; rerun to retry them.%n",
                        s.unanswered());
            }
            if (s.retryable() > 0 && s.ending() != BatchRunner.Ending.STOPPED) {
                out.printf("%,d errored %s overloaded, failed, rate limited or timed out at the API; rerun with --retry-errored to"
                        + " send %s again.%n", s.retryable(), s.retryable() == 1 ? "result was" : "results were", s.retryable() == 1 ? "it" : "them");
            }
            if (!s.utilization().isEmpty()) {
                StringBuilder pools = new StringBuilder();
                for (var u : s.utilization()) {
                    pools.append(pools.isEmpty() ? "" : "; ").append(String.format("%s %.0f%% (%s binding)", u.pool(), u.share() * 100, u.dimension()));
                }
                out.println("Quota utilization of the physical limit, per pool: " + pools);
            }
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Validates INPUT.jsonl and prints its request count, estimated tokens, cost (live and Batches,",
                    "prompt-cache writes and reads included) and the ETA per model class."})
    static final class PlanCmd implements Callable<Integer> {

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
            Settings set = new Settings(spec, config);
            RunOptions.Via chosen = set.get("--via", "via", via, BatchCommand::via);
            Instant until = set.get("--deadline", "deadline", deadline, BatchCommand::deadline);
            Function<String, Plan.Limits> limitsOf;
            if (limits == null && set.file != null && !set.file.limits.isEmpty()) {
                Function<String, Plan.Limits> fromTier = tierLimits(tier);
                limitsOf = c -> {
                    Plan.Limits l = set.planLimits(c);
                    return l != null ? l : fromTier.apply(c);
                };
            } else if (limits != null) {
                long[] v = SimCommand.parseLimits(limits);
                Plan.Limits given = new Plan.Limits(v[0], v[1], v[2], "the given limits");
                limitsOf = c -> given;
            } else {
                limitsOf = tierLimits(tier);
            }
            Prices table = prices != null ? prices(prices) : set.prices();
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
    }

    static Function<String, Plan.Limits> tierLimits(String tier) {
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

    static Prices prices(Path file) {
        try {
            return file == null ? Prices.defaults() : Prices.read(file);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows what a run (finished or interrupted) has done and what is left.")
    static final class StatusCmd implements Callable<Integer> {

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

    static Integer concurrency(String text) {
        if (text.equals("auto")) {
            return null;
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 1 || n > 100_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--concurrency '" + text + "' must be a number from 1 to 100000, or auto.");
        }
    }

    static Double maxCost(String text) {
        double usd;
        try {
            usd = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            usd = Double.NaN;
        }
        if (!(usd > 0) || Double.isInfinite(usd)) {
            throw new UsageException("--max-cost " + text + " must be an amount of US dollars above 0, like --max-cost 25.");
        }
        return usd;
    }

    /** A setting from its flag when given on the command line, else from the config file, else the flag's default. */
    static final class Settings {
        final BatchConfigFile file;
        private final CommandLine.ParseResult parsed;

        Settings(CommandLine.Model.CommandSpec spec, Path config) {
            this.file = config == null ? null : BatchConfigFile.read(config);
            this.parsed = spec.commandLine().getParseResult();
            if (file != null) {
                // The whole file is checked, also the settings this command does not use: a bad file is bad for both.
                file.check("via", BatchCommand::via);
                file.check("concurrency", BatchCommand::concurrency);
                file.check("window", BatchCommand::window);
                file.check("deadline", BatchCommand::deadline);
                file.check("grace", t -> duration("--grace", t));
                file.check("max-cost", BatchCommand::maxCost);
                file.check("base-url", t -> {
                    checkUrl(t);
                    return t;
                });
            }
        }

        <T> T get(String flag, String key, String flagValue, java.util.function.Function<String, T> rule) {
            if (file != null && !parsed.hasMatchedOption(flag) && file.scalars.containsKey(key)) {
                return file.check(key, rule);
            }
            return flagValue == null ? null : rule.apply(flagValue);
        }

        Map<String, Map<Dimension, Limit>> limits() {
            if (file == null || file.limits.isEmpty()) {
                return Map.of();
            }
            Map<String, Map<Dimension, Limit>> all = new java.util.HashMap<>();
            long[] every = file.limits.get("*");
            if (every != null) {
                all.putAll(limitsForAll("rpm=" + every[0] + ",itpm=" + every[1] + ",otpm=" + every[2]));
            }
            file.limits.forEach((c, l) -> {
                if (!c.equals("*")) {
                    all.put(c, Map.of(Dimension.REQUESTS, Limit.perMinute(l[0]), Dimension.INPUT_TOKENS, Limit.perMinute(l[1]),
                            Dimension.OUTPUT_TOKENS, Limit.perMinute(l[2])));
                }
            });
            return all;
        }

        /** Limits of one class for the plan's ETA, or null when the file says nothing about it. */
        Plan.Limits planLimits(String modelClass) {
            if (file == null) {
                return null;
            }
            long[] l = file.limits.getOrDefault(modelClass, file.limits.get("*"));
            return l == null ? null : new Plan.Limits(l[0], l[1], l[2], file.file);
        }

        Prices prices() {
            Prices p = Prices.defaults();
            if (file != null) {
                dev.pacer.anthropic.ModelClasses classes = dev.pacer.anthropic.ModelClasses.defaults();
                file.prices.forEach((k, v) -> p.put(k.startsWith("claude-") ? classes.classOf(k) : k, v));
            }
            return p;
        }
    }

    static DailyWindow window(String text) {
        if (text == null) {
            return null;
        }
        try {
            return DailyWindow.parse(text);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** True for a redrawn bar, false for log lines. */
    static boolean progressBar(String text) {
        return switch (text) {
            case "bar" -> true;
            case "log" -> false;
            case "auto" -> System.console() != null;
            default -> throw new UsageException("--progress '" + text + "' is not allowed; use bar, log or auto.");
        };
    }

    static void checkUrl(String text) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new UsageException("--base-url '" + text + "' is not an http(s) URL; give one like https://api.anthropic.com or http://127.0.0.1:8089.");
        }
    }

    static Duration duration(String text) {
        return duration("--grace", text);
    }

    static Duration duration(String option, String text) {
        if (text.trim().startsWith("-")) {
            throw new UsageException(option + " '" + text + "' must not be negative; use e.g. 30s, 2m or 500ms.");
        }
        try {
            String t = text.trim().toLowerCase();
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new UsageException(option + " '" + text + "' is not a duration; use e.g. 30s, 2m or 500ms.");
        }
    }

    static Instant deadline(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new UsageException("--deadline '" + text + "' is not an ISO-8601 instant like 2026-12-01T08:00:00Z.");
        }
    }

    static Map<String, Map<Dimension, Limit>> limitsForAll(String text) {
        if (text == null) {
            return Map.of();
        }
        long[] v = SimCommand.parseLimits(text);
        Map<Dimension, Limit> dims = Map.of(Dimension.REQUESTS, Limit.perMinute(v[0]), Dimension.INPUT_TOKENS, Limit.perMinute(v[1]),
                Dimension.OUTPUT_TOKENS, Limit.perMinute(v[2]));
        Map<String, Map<Dimension, Limit>> all = new java.util.HashMap<>();
        for (String c : Arrays.asList("opus-4", "sonnet-4", "haiku-4-5", "haiku-3-5", "opus-5", "sonnet-5")) {
            all.put(c, dims);
        }
        return all;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + " s";
    }
}
