package dev.pacer.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import dev.pacer.openai.OpenAiEndpoint;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a batch file: validates it whole, resumes from what the results file already holds, and
 * sends the rest live ({@link LiveRun}) or through the Message Batches API ({@link BatchesRun}),
 * writing each result as it arrives. {@link #stop()} stops admitting, lets calls already at the
 * provider finish within the grace period, and syncs.
 */
public final class BatchRunner {

    /** How a run ended. */
    public enum Ending {
        /** Every request has a result and none is errored. */
        DONE,
        /** Every request has a result; some are errored. */
        DONE_WITH_ERRORS,
        /** Stopped early (see {@link Summary#stoppedBecause()}): rerun the same command to resume. */
        STOPPED
    }

    /**
     * The summary printed at the end. Token, cost and attempt figures are this session's; the
     * result counts are the whole results file's.
     *
     * @param stoppedBecause why the run stopped early ({@code interrupted}, {@code cost cap},
     *                       {@code unreachable}), or null
     * @param unanswered     requests left without a result because the API never answered them
     * @param utilization    per quota pool, busiest first (empty when unknown)
     * @param retryable      errored results of the file whose error is worth retrying ({@code --retry-errored})
     */
    public record Summary(Ending ending, int total, int succeeded, int errored, int skippedAsDone, long inputTokens,
                          long outputTokens, double costUsd, Duration wall, long attempts, long retries, long fallbacks,
                          long wire429, long wire529, String via, List<Utilization> utilization, String stoppedBecause,
                          int unanswered, int retryable) {
    }

    private final RunOptions options;
    private final StopSignal stop = new StopSignal();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile java.util.function.Consumer<dev.pacer.Pacer> onEngine = pacer -> {
    };
    private volatile java.util.function.Consumer<dev.pacer.anthropic.AnthropicPacer> onClient = claude -> {
    };
    private volatile Shard shard = Shard.ALL;

    public BatchRunner(RunOptions options) {
        this.options = options;
    }

    /**
     * Hears each engine the run builds (the live run's, the Batches client's), before it sends anything:
     * to bind metrics or a status page to it. Called on the run's thread; set it before {@link #run()}.
     */
    public BatchRunner onEngine(java.util.function.Consumer<dev.pacer.Pacer> observer) {
        this.onEngine = java.util.Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Hears the Anthropic client the live run builds over its engine (after {@link #onEngine}, before it sends
     * anything): to count its answers' usage and cost in metrics ({@code PacerMetrics#hear}). Called on the run's
     * thread; set it before {@link #run()}. The Batches path builds no such client.
     */
    public BatchRunner onClient(java.util.function.Consumer<dev.pacer.anthropic.AnthropicPacer> observer) {
        this.onClient = java.util.Objects.requireNonNull(observer, "observer");
        return this;
    }

    /** Runs only {@code shard}'s lines of the input ({@code --shard i/n}); set it before {@link #run()}. */
    public BatchRunner shard(Shard shard) {
        this.shard = java.util.Objects.requireNonNull(shard, "shard");
        return this;
    }

    /** Asks a running {@link #run()} to stop: no new calls; calls in flight get the grace period. */
    public void stop() {
        stop.set(StopSignal.Reason.INTERRUPTED);
    }

    /** Waits until {@link #run()} has returned (for a shutdown hook). */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs the file; never throws for bad input except {@link BatchException} with one sentence. */
    public Summary run() {
        try {
            return runOnce();
        } finally {
            finished.countDown();
        }
    }

    private Summary runOnce() {
        // Wall time for the summary is the user's, not the (possibly time-scaled) provider clock's.
        Instant started = Instant.now();
        BatchInput input = BatchInput.read(options.input());
        if (sameFile(options.input(), options.output())) {
            throw new BatchException("-o " + options.output() + " is the input file; give the results a file of their own, like results.jsonl.");
        }
        RunOptions.Via via = options.via();
        if (via == RunOptions.Via.AUTO) {
            via = RunOptions.chooseVia(input.items().size(), options.deadline(), options.clock().instant());
            if (via == RunOptions.Via.BATCHES && !options.providerFallbacks().isEmpty()) {
                via = RunOptions.Via.MESSAGES;
                options.out().println("--via auto: live Messages calls, since the fallback chain ends with "
                        + OpenAiEndpoint.PREFIX + options.providerFallbacks().get(0).model() + ", which the Message Batches API cannot reach.");
            } else {
                options.out().println("--via auto: " + RunOptions.explainVia(input.items().size(), options.deadline(), via) + ".");
            }
        } else if (via == RunOptions.Via.BATCHES && !options.providerFallbacks().isEmpty()) {
            // The Batches API runs every request on Anthropic's side, so a chain that ends elsewhere cannot be honoured.
            throw new BatchException("--via batches cannot fall back to " + OpenAiEndpoint.PREFIX + options.providerFallbacks().get(0).model()
                    + ": the Message Batches API runs on Anthropic's side only; use --via messages, or remove the openai: entries from"
                    + " the fallback chain.");
        }
        if (via == RunOptions.Via.BATCHES) {
            input = input.forBatches();
        }
        input = input.forShard(shard);
        if (!input.problems().isEmpty() && !options.skipInvalid()) {
            throw new BatchException(input.describeProblems());
        }
        RunState state = RunState.load(options.output());
        String shardName = shard.count() == 1 ? null : shard.toString();
        if (state.exists() && !java.util.Objects.equals(state.shard, shardName)) {
            throw new BatchException(options.output() + " holds the results of " + (state.shard == null ? "the whole file" : "--shard " + state.shard)
                    + ", not of " + (shardName == null ? "the whole file" : "--shard " + shardName) + "; resume it with "
                    + (state.shard == null ? "no --shard" : "--shard " + state.shard) + ", or give this share a results file of its own.");
        }
        if (state.exists() && !state.inputSha256.equals(input.sha256()) && !options.allowChangedInput()) {
            throw new BatchException("The input " + options.input() + " changed since " + options.output()
                    + " was started (its content hash differs); use a new -o file, or --allow-changed-input to resume anyway.");
        }
        input.unknownModelWarnings(options.prices()).forEach(options.out()::println);
        if (state.exists() && state.via != null && !state.via.equals(via.name().toLowerCase()) && !state.batches.isEmpty()
                && via == RunOptions.Via.MESSAGES) {
            options.out().println("Note: this run started through the Batches API; its batches are still merged before live calls go out.");
        }
        state.inputPath = options.input().toString();
        state.inputSha256 = input.sha256();
        state.via = via.name().toLowerCase();
        state.flags.clear();
        state.flags.addAll(options.resumeFlags());
        state.shard = shardName;
        if (shardName != null) {
            state.flags.addAll(List.of("--shard", shardName));
        }
        try (ResultLog log = ResultLog.open(options.output(), 25)) {
            state.save();
            if (options.retryErrored()) {
                retryErrored(input, log);
            }
            int alreadyDone = 0;
            for (BatchInput.Item item : input.items()) {
                if (log.isDone(item.customId())) {
                    alreadyDone++;
                }
            }
            // --skip-invalid: an invalid line gets an errored result under its custom_id, unless it has
            // none, or shares it with a valid line (a duplicate must not take the result of the line
            // it duplicates: that one runs) or with an earlier invalid line.
            java.util.Set<String> ids = new java.util.HashSet<>();
            input.items().forEach(i -> ids.add(i.customId()));
            List<Integer> noResult = new java.util.ArrayList<>();
            int recorded = 0;
            for (BatchInput.Problem problem : input.problems()) {
                if (problem.customId() == null || !ids.add(problem.customId())) {
                    noResult.add(problem.line());
                    continue;
                }
                recorded++;
                if (!log.isDone(problem.customId())) {
                    log.append(problem.customId(), "errored", errored(problem.customId(), "invalid_request_error",
                            "line " + problem.line() + ": " + problem.message(), null));
                }
            }
            if (!noResult.isEmpty()) {
                options.out().println("--skip-invalid: " + noResult.size() + (noResult.size() == 1 ? " invalid line gets" : " invalid lines get")
                        + " no result line (no usable custom_id, or one another line uses): line"
                        + (noResult.size() == 1 ? " " : "s ") + noResult.stream().limit(20).map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(", ")) + (noResult.size() > 20 ? ", ..." : "") + ".");
            }
            List<BatchInput.Item> todo = input.items().stream().filter(i -> !log.isDone(i.customId())).toList();
            int total = input.items().size() + recorded;
            if (alreadyDone > 0) {
                options.out().println("Resuming: " + alreadyDone + " of " + input.items().size() + " requests already have results in "
                        + options.output() + "; " + todo.size() + " to go.");
            }
            Tally tally = new Tally();
            List<Utilization> utilization = List.of();
            if (via == RunOptions.Via.BATCHES || !state.batches.isEmpty()) {
                new BatchesRun(options, state, log, tally, stop).onEngine(onEngine).run(via == RunOptions.Via.BATCHES ? todo : List.of());
                todo = todo.stream().filter(i -> !log.isDone(i.customId())).toList();
            }
            if (via == RunOptions.Via.MESSAGES && !todo.isEmpty() && !stop.isSet()) {
                LiveRun live = new LiveRun(options, log, tally, stop).onEngine(onEngine).onClient(onClient);
                live.run(todo, total);
                utilization = live.utilization().stream()
                        .sorted(java.util.Comparator.comparingDouble(Utilization::share).reversed()).toList();
            }
            log.sync();
            Map<String, String> done = log.done();
            int succeeded = (int) done.values().stream().filter("succeeded"::equals).count();
            int errored = (int) done.values().stream().filter(t -> !t.equals("succeeded")).count();
            int retryable = (int) done.entrySet().stream().filter(e -> e.getValue().equals("errored")
                    && RunOptions.RETRYABLE_ERRORS.contains(String.valueOf(log.errorType(e.getKey())))).count();
            boolean complete = done.keySet().containsAll(input.items().stream().map(BatchInput.Item::customId).toList())
                    && log.reopenedLeft() == 0;
            Ending ending = !complete ? Ending.STOPPED : errored > 0 ? Ending.DONE_WITH_ERRORS : Ending.DONE;
            String because = ending != Ending.STOPPED ? null : stop.reason() == null ? "unfinished"
                    : stop.reason().name().toLowerCase().replace('_', ' ');
            return new Summary(ending, total, succeeded, errored, alreadyDone, tally.input.get(), tally.output.get(), tally.cost.sum(),
                    Duration.between(started, Instant.now()), tally.attempts.get(), tally.retries.get(),
                    tally.fallbacks.get(), tally.wire429.get(), tally.wire529.get(), via.name().toLowerCase(), utilization, because,
                    tally.unanswered.get(), retryable);
        }
    }

    /**
     * {@code --retry-errored}: reopens the errored results worth retrying, so they are sent again
     * and their lines replaced (never duplicated) as the new results come.
     */
    private void retryErrored(BatchInput input, ResultLog log) {
        Map<String, Integer> byType = new java.util.TreeMap<>();
        List<String> again = new java.util.ArrayList<>();
        Map<String, String> done = log.done();
        for (BatchInput.Item item : input.items()) {
            String type = log.errorType(item.customId());
            if (type != null && RunOptions.RETRYABLE_ERRORS.contains(type) && "errored".equals(done.get(item.customId()))) {
                again.add(item.customId());
                byType.merge(type, 1, Integer::sum);
            }
        }
        log.reopen(again);
        options.out().println(again.isEmpty() ? "--retry-errored: no errored result is worth retrying (request errors such as"
                + " invalid_request_error would fail again)."
                : "--retry-errored: " + again.size() + (again.size() == 1 ? " errored result" : " errored results") + " " + byType
                + " go out again; each line is replaced when its new result comes.");
    }

    private static boolean sameFile(java.nio.file.Path a, java.nio.file.Path b) {
        try {
            return java.nio.file.Files.exists(b) ? java.nio.file.Files.isSameFile(a, b)
                    : a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static ObjectNode errored(String customId, String type, String message, String requestId) {
        ObjectNode line = BatchInput.JSON.createObjectNode();
        line.put("custom_id", customId);
        ObjectNode result = line.putObject("result");
        result.put("type", "errored");
        ObjectNode error = result.putObject("error");
        error.put("type", "error");
        ObjectNode inner = error.putObject("error");
        inner.put("type", type);
        inner.put("message", message == null ? "" : message);
        if (requestId == null) {
            error.putNull("request_id");
        } else {
            error.put("request_id", requestId);
        }
        return line;
    }
}
