package dev.pacer.batch;

import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How to run a batch file.
 *
 * @param input             the JSONL requests
 * @param output            the JSONL results (resumed when it exists)
 * @param via               live Messages calls, the Message Batches API, or a choice by rule
 * @param baseUrl           the API's base URL
 * @param apiKey            the key (never printed)
 * @param fallbackModels    models to fall back to, in order
 * @param maxCostUsd        stop starting new requests once this much is spent (null: no cap)
 * @param concurrency       calls in flight at most (null: adaptive)
 * @param skipInvalid       record invalid lines as errored results instead of refusing to start
 * @param allowChangedInput resume even though the input file changed
 * @param window            a daily window for live calls, or null
 * @param deadline          when the whole job should be done (for --via auto), or null
 * @param grace             how long in-flight calls may finish after Ctrl-C
 * @param limits            known limits per model class and dimension (optional: learned from headers)
 * @param clock             the clock (a scaled one against the time-scaled simulator)
 * @param scheduler         the scheduler matching the clock
 * @param out               where progress and the summary go
 * @param interactive       draw a progress bar (a terminal) rather than log lines
 * @param prices            the price table
 * @param pollInterval      how often to poll a Message Batches batch at first (backs off)
 * @param builtInSimulator  the API is the in-process simulator, whose batches end with the process
 * @param retryErrored      send again the requests whose result is errored with an error worth retrying
 *                          ({@link #RETRYABLE_ERRORS}), replacing their lines
 * @param providerFallbacks other providers' models to fall back to after {@code fallbackModels}, live calls only
 *                          (an OpenAI-compatible endpoint answers in the Anthropic shape; see pacer-openai)
 * @param quotaStore        where live calls keep the quota's state (null: in memory); a store shared by
 *                          several runs (Redis) makes them pace one quota together
 */
public record RunOptions(Path input, Path output, Via via, String baseUrl, String apiKey, List<String> fallbackModels,
                         Double maxCostUsd, Integer concurrency, boolean skipInvalid, boolean allowChangedInput,
                         DailyWindow window, Instant deadline, Duration grace, Map<String, Map<Dimension, Limit>> limits,
                         PacerClock clock, PacerScheduler scheduler, PrintStream out, boolean interactive, Prices prices,
                         Duration pollInterval, boolean builtInSimulator, boolean retryErrored,
                         List<OpenAiEndpoint> providerFallbacks, dev.pacer.spi.QuotaStore quotaStore) {

    /**
     * The error types of an errored result that {@code --retry-errored} sends again: the API was
     * overloaded, failed, rate limited or timed out. A request error ({@code invalid_request_error},
     * {@code not_found_error}, ...) would fail the same way again, so it stays.
     */
    public static final java.util.Set<String> RETRYABLE_ERRORS = java.util.Set.of("overloaded_error", "api_error", "rate_limit_error",
            "timeout_error");

    /** Where requests go. */
    public enum Via {
        /** Paced live Messages calls. */
        MESSAGES,
        /** The Message Batches API (half price, up to 24 h). */
        BATCHES,
        /** Chosen by {@link #chooseVia}. */
        AUTO
    }

    public RunOptions {
        fallbackModels = List.copyOf(fallbackModels);
        limits = Map.copyOf(limits);
        providerFallbacks = List.copyOf(providerFallbacks);
    }

    /** Options without other providers' fallbacks, the quota's state in memory. */
    public RunOptions(Path input, Path output, Via via, String baseUrl, String apiKey, List<String> fallbackModels,
                      Double maxCostUsd, Integer concurrency, boolean skipInvalid, boolean allowChangedInput,
                      DailyWindow window, Instant deadline, Duration grace, Map<String, Map<Dimension, Limit>> limits,
                      PacerClock clock, PacerScheduler scheduler, PrintStream out, boolean interactive, Prices prices,
                      Duration pollInterval, boolean builtInSimulator, boolean retryErrored) {
        this(input, output, via, baseUrl, apiKey, fallbackModels, maxCostUsd, concurrency, skipInvalid, allowChangedInput, window, deadline,
                grace, limits, clock, scheduler, out, interactive, prices, pollInterval, builtInSimulator, retryErrored, List.of(), null);
    }

    /**
     * The rule for {@code --via auto}: the Batches API when the job is big enough for its half
     * price to matter (1,000 requests or more) and there is no deadline sooner than 24 hours
     * away (batches may take up to a day); live calls otherwise.
     */
    public static Via chooseVia(int requests, Instant deadline, Instant now) {
        boolean deadlineSoon = deadline != null && deadline.isBefore(now.plus(Duration.ofHours(24)));
        return requests >= AUTO_BATCHES_FROM && !deadlineSoon ? Via.BATCHES : Via.MESSAGES;
    }

    /**
     * The flags that repeat this run, for the sidecar and the resume command: everything but the
     * input, the output and the API key (which is never written anywhere).
     */
    public List<String> resumeFlags() {
        List<String> f = new java.util.ArrayList<>();
        if (via != Via.MESSAGES) {
            f.addAll(List.of("--via", via.name().toLowerCase()));
        }
        if (!builtInSimulator && !baseUrl.equals("https://api.anthropic.com")) {
            f.addAll(List.of("--base-url", baseUrl));
        }
        if (!fallbackModels.isEmpty()) {
            f.addAll(List.of("--fallback", String.join(",", fallbackModels)));
        }
        if (maxCostUsd != null) {
            f.addAll(List.of("--max-cost", String.valueOf(maxCostUsd)));
        }
        if (concurrency != null) {
            f.addAll(List.of("--concurrency", String.valueOf(concurrency)));
        }
        if (window != null) {
            f.addAll(List.of("--window", window.start() + "-" + window.end() + "@" + window.zone().getId()));
        }
        if (deadline != null) {
            f.addAll(List.of("--deadline", deadline.toString()));
        }
        if (skipInvalid) {
            f.add("--skip-invalid");
        }
        if (retryErrored) {
            f.add("--retry-errored");
        }
        return f;
    }

    /** Requests from which {@code --via auto} picks the Batches API (absent a deadline within 24 hours). */
    public static final int AUTO_BATCHES_FROM = 1_000;

    /** Why {@link #chooseVia} chose {@code chosen}, in one clause for the user. */
    public static String explainVia(int requests, Instant deadline, Via chosen) {
        if (chosen == Via.BATCHES) {
            return String.format("%,d requests (%,d or more) and no deadline within 24 hours, so the Batches API at half price",
                    requests, AUTO_BATCHES_FROM);
        }
        return requests < AUTO_BATCHES_FROM
                ? String.format("%,d requests (under %,d), so live calls", requests, AUTO_BATCHES_FROM)
                : "the deadline " + deadline + " is within 24 hours, which batches may take, so live calls";
    }
}
