package dev.pacer.cli;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.DailyWindow;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.batch.Shard;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.redis.RedisUnavailableMode;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScaledClock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pacer batch run}: INPUT.jsonl into RESULTS.jsonl through {@link BatchRunner}, resumable.
 * Every flag and the config file are checked before anything starts; then the run goes against
 * the API, a given base URL, or (without a key) a built-in simulator on a clock at its speed.
 * Ctrl-C stops sending, lets calls in flight finish for {@code --grace}, prints the summary and
 * exits with {@link PacerCommand#INTERRUPTED}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs INPUT.jsonl into RESULTS.jsonl, resuming if RESULTS.jsonl exists.",
                "With no ANTHROPIC_API_KEY and no --base-url it runs against the built-in simulator."})
final class BatchRunCommand implements Callable<Integer> {

    /** The simulator's speed when no API key is set: a few minutes of Tier-1 traffic in under a minute. */
    static final double BUILT_IN_SIM_SCALE = 10;

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

    @Option(names = "--shard", paramLabel = "i/n", description = {"Run only this process's share of the lines (line l when"
            + " (l-1) mod n = i-1), with a results file of its own: n processes answer every request once between them.",
            "Share their quota with --redis."})
    String shard;

    @Option(names = "--retry-errored", description = {"Send again the requests whose result in RESULTS.jsonl is errored with an error"
            + " worth retrying (overloaded_error, api_error, rate_limit_error, timeout_error; never a request error such as"
            + " invalid_request_error).", "Each line is replaced in place (the file is rewritten atomically), so every custom_id"
            + " stays in it exactly once, even after a kill."})
    boolean retryErrored;

    @Option(names = "--grace", defaultValue = "30s", description = "How long calls in flight may finish after Ctrl-C. Default: ${DEFAULT-VALUE}.")
    String grace;

    @Option(names = "--progress", defaultValue = "auto", description = "bar, log or auto (a bar on a terminal). Default: ${DEFAULT-VALUE}.")
    String progress;

    @picocli.CommandLine.Mixin
    RedisFlags redisFlags = new RedisFlags();
    @Option(names = "--status-port", paramLabel = "PORT", description = "Serve the live status page (/status), /status.json and"
            + " /metrics (Prometheus) on this port while the job runs.")
    Integer statusPort;

    @Option(names = "--status-host", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "Where --status-port listens."
            + " Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 for every interface.")
    String statusHost;

    @Option(names = "--config", paramLabel = "pacer.yaml", description = "Settings in YAML: base-url, via, fallback, max-cost, concurrency, "
            + "window, grace, deadline, limits, classes (limits per model class), prices, redis, redis-unavailable. Flags win over the file.")
    Path config;

    @Override
    public Integer call() throws Exception {
        // Every flag (and the config file) is checked before anything starts: a typo costs
        // nothing and is the only thing said.
        BatchSettings set = new BatchSettings(spec, config);
        RunOptions.Via chosenVia = set.get("--via", "via", via, BatchFlags::via);
        Integer maxInFlight = set.get("--concurrency", "concurrency", concurrency, BatchFlags::concurrency);
        DailyWindow dailyWindow = set.get("--window", "window", window, BatchFlags::window);
        Instant until = set.get("--deadline", "deadline", deadline, BatchFlags::deadline);
        Duration graceTime = set.get("--grace", "grace", grace, BatchFlags::grace);
        Shard share;
        try {
            share = shard == null ? Shard.ALL : Shard.parse(shard);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, Map<Dimension, Limit>> knownLimits = limits != null ? GivenLimits.parse(limits).forEveryClass() : set.limits();
        boolean bar = BatchFlags.progressBar(progress);
        Prices table = prices != null ? BatchFlags.prices(prices) : set.prices();
        Double cap = set.get("--max-cost", "max-cost", maxCost == null ? null : String.valueOf(maxCost), BatchFlags::maxCost);
        List<String> fallbacks = fallback.stream().map(String::trim).filter(m -> !m.isEmpty()).toList();
        if (fallback.size() > 0 && fallbacks.isEmpty()) {
            throw new UsageException("--fallback names no model; give model ids separated by commas, like --fallback claude-haiku-4-5.");
        }
        if (fallbacks.stream().anyMatch(OpenAiEndpoint::names)) {
            throw new UsageException("--fallback " + String.join(",", fallbacks) + ": another provider's model needs a base_url and an"
                    + " api_key; give it in the config file's fallback list ({model: openai:MODEL, base_url: URL, api_key: ${OPENAI_API_KEY}}).");
        }
        if (fallback.isEmpty() && set.file != null) {
            fallbacks = set.file.fallback;
        }
        List<OpenAiEndpoint> others = set.file != null ? set.file.providerFallbacks : List.of();
        String baseUrl = set.get("--base-url", "base-url", this.baseUrl, BatchFlags::baseUrl);
        String redisUri = set.get("--redis", "redis", redisFlags.uri, BatchFlags::redis);
        RedisUnavailableMode redisMode = set.get("--redis-unavailable", "redis-unavailable", redisFlags.unavailable,
                BatchFlags::redisUnavailable);
        if (statusPort != null) {
            StatusPort.check(statusHost, statusPort);
        }
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
        RedisQuotaStore shared = null;
        if (redisUri != null) {
            try {
                // Against the built-in simulator time runs on its scaled clock, so the shared state does too.
                shared = RedisQuotaStore.connect(redisUri, RedisStoreOptions.builder().unavailableMode(redisMode)
                        .clock(clock).scheduler(scheduler).clientTime(builtIn != null).build());
            } catch (IllegalStateException | IllegalArgumentException e) {
                if (builtIn != null) {
                    builtIn.close();
                }
                throw new UsageException("--redis: " + e.getMessage());
            }
            out.println("Sharing the quota through Redis at " + RedisQuotaStore.redacted(redisUri) + ".");
        }
        RunOptions options = new RunOptions(input, output, chosenVia, url, key, fallbacks, cap, maxInFlight,
                skipInvalid, allowChangedInput, dailyWindow, until, graceTime, knownLimits, clock, scheduler, out,
                bar, table, builtIn != null ? Duration.ofSeconds(2) : Duration.ofSeconds(10), builtIn != null, retryErrored, others, shared);
        BatchRunner runner = new BatchRunner(options);
        runner.shard(share);
        StatusPort statusServer = null;
        try {
            statusServer = statusPort == null ? null : StatusPort.open(statusHost, statusPort, options.prices());
        } catch (UsageException e) {
            if (builtIn != null) {
                builtIn.close();
            }
            throw e;
        }
        if (statusServer != null) {
            if (shared != null) {
                statusServer.bind(new dev.pacer.redis.RedisStoreMeters(shared));
            }
            statusServer.follow(runner);
            out.println("Status: " + statusServer.url() + " (and /status.json, /metrics) while the job runs.");
        }
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
                List<String> again = new java.util.ArrayList<>(options.resumeFlags());
                if (share.count() > 1) {
                    again.addAll(List.of("--shard", share.toString()));
                }
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
            if (shared != null) {
                shared.close();
            }
            if (statusServer != null) {
                statusServer.close();
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

    /** A duration as the summary shows it: 42 s, 3m05s, 1h02m. */
    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + " s";
    }
}
