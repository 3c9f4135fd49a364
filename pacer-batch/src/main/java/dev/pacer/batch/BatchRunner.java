package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.Usage;
import dev.pacer.concurrency.AimdLimit;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Runs a batch file: validates it whole, resumes from what the results file already holds, and
 * sends the rest live through {@link AnthropicPacer} (or through the Message Batches API, see
 * {@link BatchesRun}), writing each result as it arrives. {@link #stop()} stops admitting, lets
 * calls already at the provider finish within the grace period, and syncs.
 */
public final class BatchRunner {

    /** How a run ended. */
    public enum Ending {
        /** Every request has a result and none is errored. */
        DONE,
        /** Every request has a result; some are errored. */
        DONE_WITH_ERRORS,
        /** Stopped early (interrupted, or the cost cap): rerun the same command to resume. */
        STOPPED
    }

    /** The summary printed at the end. */
    public record Summary(Ending ending, int total, int succeeded, int errored, int skippedAsDone, long inputTokens,
                          long outputTokens, double costUsd, Duration wall, long attempts, long retries, long fallbacks,
                          long wire429, long wire529, String via, Utilization utilization) {
    }

    /**
     * How close the live calls came to the quota's physical limit: the shortest time the work they
     * were charged could have taken (each bucket starts full, so {@code (used - capacity) / rate} on
     * the most binding dimension) over the time they took. Null when unknown: no live calls, limits
     * never learned, or work small enough to fit in the first bucketful.
     *
     * @param share     that ratio (1.0 is the physical limit)
     * @param dimension the most binding dimension
     */
    public record Utilization(double share, String dimension) {
    }

    private static final int MAX_OUTSTANDING = 2_000;

    private final RunOptions options;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);

    public BatchRunner(RunOptions options) {
        this.options = options;
    }

    /** Asks a running {@link #run()} to stop: no new calls; calls in flight get the grace period. */
    public void stop() {
        stopping.set(true);
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
        Instant started = Instant.now();
        BatchInput input = BatchInput.read(options.input());
        if (sameFile(options.input(), options.output())) {
            throw new BatchException("-o " + options.output() + " is the input file; give the results a file of their own, like results.jsonl.");
        }
        if (!input.problems().isEmpty() && !options.skipInvalid()) {
            throw new BatchException(input.describeProblems());
        }
        RunState state = RunState.load(options.output());
        if (state.exists() && !state.inputSha256.equals(input.sha256()) && !options.allowChangedInput()) {
            throw new BatchException("The input " + options.input() + " changed since " + options.output()
                    + " was started (its content hash differs); use a new -o file, or --allow-changed-input to resume anyway.");
        }
        RunOptions.Via via = options.via() == RunOptions.Via.AUTO
                ? RunOptions.chooseVia(input.items().size(), options.deadline(), Instant.now()) : options.via();
        if (state.exists() && state.via != null && !state.via.equals(via.name().toLowerCase()) && !state.batches.isEmpty()
                && via == RunOptions.Via.MESSAGES) {
            options.out().println("Note: this run started through the Batches API; its batches are still merged before live calls go out.");
        }
        state.inputPath = options.input().toString();
        state.inputSha256 = input.sha256();
        state.via = via.name().toLowerCase();
        try (ResultLog log = ResultLog.open(options.output(), 25)) {
            state.save();
            int alreadyDone = 0;
            for (BatchInput.Item item : input.items()) {
                if (log.isDone(item.customId())) {
                    alreadyDone++;
                }
            }
            for (BatchInput.Problem problem : input.problems()) {
                if (problem.customId() != null && !log.isDone(problem.customId())) {
                    log.append(problem.customId(), "errored", errored(problem.customId(), "invalid_request_error",
                            "line " + problem.line() + ": " + problem.message(), null));
                }
            }
            List<BatchInput.Item> todo = input.items().stream().filter(i -> !log.isDone(i.customId())).toList();
            int total = input.items().size() + (int) input.problems().stream().filter(p -> p.customId() != null).count();
            if (alreadyDone > 0) {
                options.out().println("Resuming: " + alreadyDone + " of " + input.items().size() + " requests already have results in "
                        + options.output() + "; " + todo.size() + " to go.");
            }
            Tally tally = new Tally();
            if (via == RunOptions.Via.BATCHES || !state.batches.isEmpty()) {
                new BatchesRun(options, state, log, tally, stopping).run(via == RunOptions.Via.BATCHES ? todo : List.of());
                todo = todo.stream().filter(i -> !log.isDone(i.customId())).toList();
            }
            if (via == RunOptions.Via.MESSAGES && !todo.isEmpty() && !stopping.get()) {
                live(todo, log, tally, input.items().size());
            }
            log.sync();
            Map<String, String> done = log.done();
            int succeeded = (int) done.values().stream().filter("succeeded"::equals).count();
            int errored = (int) done.values().stream().filter(t -> !t.equals("succeeded")).count();
            boolean complete = done.keySet().containsAll(input.items().stream().map(BatchInput.Item::customId).toList());
            Ending ending = !complete ? Ending.STOPPED : errored > 0 ? Ending.DONE_WITH_ERRORS : Ending.DONE;
            return new Summary(ending, total, succeeded, errored, alreadyDone, tally.input.get(), tally.output.get(), tally.cost.sum(),
                    Duration.between(started, Instant.now()), tally.attempts.get(), tally.retries.get(), tally.fallbacks.get(),
                    tally.wire429.get(), tally.wire529.get(), via.name().toLowerCase(), tally.utilization);
        }
    }

    /** Running counts for progress and the summary. */
    static final class Tally {
        final java.util.concurrent.atomic.AtomicLong input = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong output = new java.util.concurrent.atomic.AtomicLong();
        final DoubleAdder cost = new DoubleAdder();
        final java.util.concurrent.atomic.AtomicLong attempts = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong fallbacks = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong wire429 = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong wire529 = new java.util.concurrent.atomic.AtomicLong();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger errored = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong liveRequests = new java.util.concurrent.atomic.AtomicLong();
        volatile Utilization utilization;
    }

    // ---------------------------------------------------------------- live

    private void live(List<BatchInput.Item> todo, ResultLog log, Tally tally, int totalItems) {
        Pacer.Builder pb = Pacer.builder().clock(options.clock()).scheduler(options.scheduler())
                .concurrency(options.concurrency() == null
                        ? ConcurrencyLimit.adaptive(new AimdLimit.Settings(16, 2, 512, 0.9))
                        : ConcurrencyLimit.fixed(options.concurrency()))
                .listener(event -> count(event, tally));
        options.limits().forEach((modelClass, dims) -> {
            QuotaKey key = QuotaKey.of("anthropic:" + AnthropicPacer.fingerprint(options.apiKey()) + ":" + modelClass);
            dims.forEach((d, l) -> pb.limit(key, d, l));
        });
        Pacer pacer = pb.build();
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(options.baseUrl()).apiKey(options.apiKey())
                .pacer(pacer).fallbackModels(options.fallbackModels()).build();
             Progress progress = new Progress(options, pacer, claude, tally, totalItems, log.done().size())) {
            progress.start();
            Instant liveStart = options.clock().instant();
            long inputBefore = tally.input.get();
            long outputBefore = tally.output.get();
            Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
            Map<String, CompletableFuture<AnthropicPacer.Reply>> waiting = new ConcurrentHashMap<>();
            Map<String, Boolean> sent = new ConcurrentHashMap<>();
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (BatchInput.Item item : todo) {
                if (stopping.get() || overBudget(tally)) {
                    break;
                }
                awaitWindow(progress);
                if (stopping.get()) {
                    break;
                }
                try {
                    while (!outstanding.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                        if (stopping.get()) {
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopping.set(true);
                }
                if (stopping.get()) {
                    break;
                }
                Instant queuedAt = options.clock().instant();
                CompletableFuture<AnthropicPacer.Reply> call = claude.messages(item.params(), Priority.BULK, null,
                        () -> sent.put(item.customId(), Boolean.TRUE));
                waiting.put(item.customId(), call);
                all.add(call.handle((reply, error) -> {
                    waiting.remove(item.customId());
                    outstanding.release();
                    record(item, reply, error, log, tally, queuedAt, claude);
                    return null;
                }));
            }
            if (stopping.get()) {
                // Calls still waiting for quota are given up (they resume next time); calls at the provider may finish.
                waiting.forEach((id, f) -> {
                    if (!sent.containsKey(id)) {
                        f.cancel(false);
                    }
                });
                CompletableFuture<Void> inFlight = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
                try {
                    inFlight.get(options.grace().toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception timeoutOrCancelled) {
                    // What did not finish in the grace period is redone on resume.
                }
            } else {
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            }
            if (!todo.isEmpty()) {
                QuotaKey key = claude.quotaKey(todo.get(0).params().path("model").asText());
                tally.utilization = utilization(pacer.quotas().view(key), tally.liveRequests.get(), tally.input.get() - inputBefore,
                        tally.output.get() - outputBefore, Duration.between(liveStart, options.clock().instant()));
            }
        }
    }

    static Utilization utilization(QuotaView view, long requests, long input, long output, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        double bound = 0;
        String binding = null;
        Object[][] dims = {{Dimension.REQUESTS, requests, "requests"},
            {Dimension.INPUT_TOKENS, input, "input tokens"}, {Dimension.OUTPUT_TOKENS, output, "output tokens"}};
        for (Object[] d : dims) {
            QuotaView.DimensionView v = view.dimension((Dimension) d[0]);
            if (v == null || v.limit() == null || v.limit().refillPerSecond() <= 0) {
                continue;
            }
            double need = ((long) d[1] - v.limit().capacity()) / v.limit().refillPerSecond();
            if (need > bound) {
                bound = need;
                binding = (String) d[2];
            }
        }
        return binding == null || seconds <= 0 ? null : new Utilization(Math.min(1.0, bound / seconds), binding);
    }

    private boolean overBudget(Tally tally) {
        if (options.maxCostUsd() != null && tally.cost.sum() >= options.maxCostUsd()) {
            if (stopping.compareAndSet(false, true)) {
                options.out().println("Stopping: the cost cap of $" + String.format("%.2f", options.maxCostUsd())
                        + " is reached; rerun with a higher --max-cost to finish.");
            }
            return true;
        }
        return false;
    }

    private void awaitWindow(Progress progress) {
        DailyWindow window = options.window();
        if (window == null) {
            return;
        }
        while (!stopping.get()) {
            Duration wait = window.untilOpen(Instant.now());
            if (wait.isZero()) {
                progress.note(null);
                return;
            }
            progress.note("outside the window " + window + "; resuming in " + wait.toMinutes() + " min");
            try {
                Thread.sleep(Math.min(wait.toMillis(), 1_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping.set(true);
            }
        }
    }

    private void record(BatchInput.Item item, AnthropicPacer.Reply reply, Throwable error, ResultLog log, Tally tally,
                        Instant queuedAt, AnthropicPacer claude) {
        Throwable cause = error;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof java.util.concurrent.CancellationException) {
            return; // given up on stop: no result, so it runs again on resume
        }
        ObjectNode line = BatchInput.JSON.createObjectNode();
        line.put("custom_id", item.customId());
        ObjectNode pacerMeta = BatchInput.JSON.createObjectNode();
        if (reply != null) {
            ObjectNode result = line.putObject("result");
            result.put("type", "succeeded");
            result.set("message", reply.message());
            Usage usage = reply.usage();
            tally.input.addAndGet(usage.totalInput());
            tally.liveRequests.incrementAndGet();
            tally.output.addAndGet(usage.output());
            tally.cost.add(options.prices().cost(claude.modelClasses().classOf(reply.model()), usage, false));
            pacerMeta.put("attempts", reply.call().attempts());
            pacerMeta.put("model", reply.model());
            pacerMeta.put("queued_ms", reply.call().queued().toMillis());
            pacerMeta.put("latency_ms", Duration.between(queuedAt, options.clock().instant()).toMillis());
            line.set("pacer", pacerMeta);
            log.append(item.customId(), "succeeded", line);
        } else {
            String type = "api_error";
            String message = cause == null ? "unknown failure" : cause.getMessage();
            Outcome outcome = cause instanceof CallFailed failed ? failed.outcome() : null;
            if (outcome != null && outcome.errorType() != null) {
                type = outcome.errorType();
                message = outcome.message();
            } else if (cause instanceof PacerException) {
                type = "pacer_error";
            }
            ObjectNode errLine = errored(item.customId(), type, message, null);
            if (cause instanceof CallFailed failed) {
                pacerMeta.put("attempts", failed.attempts());
                errLine.set("pacer", pacerMeta);
            }
            log.append(item.customId(), "errored", errLine);
            tally.errored.incrementAndGet();
        }
        tally.done.incrementAndGet();
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

    private static void count(PacerEvent event, Tally tally) {
        if (event instanceof PacerEvent.AttemptStarted started) {
            tally.attempts.incrementAndGet();
            if (started.attempt() > 1) {
                tally.retries.incrementAndGet();
            }
        } else if (event instanceof PacerEvent.AttemptFinished finished) {
            if (finished.outcome().status() == 429) {
                tally.wire429.incrementAndGet();
            } else if (finished.outcome().status() == 529) {
                tally.wire529.incrementAndGet();
            }
        } else if (event instanceof PacerEvent.FallbackTaken fallback && fallback.to() != null) {
            tally.fallbacks.incrementAndGet();
        }
    }

    static JsonNode parse(byte[] body) {
        try {
            return BatchInput.JSON.readTree(body);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static AnthropicHttp http(RunOptions options) {
        return AnthropicHttp.builder().baseUrl(options.baseUrl()).apiKey(options.apiKey()).build();
    }
}
