package dev.pacer.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.AttemptDeclined;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.Usage;
import dev.pacer.concurrency.AimdLimit;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.event.PacerListener;
import dev.pacer.openai.OpenAiFallback;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The {@code --via messages} path: every request goes through {@link AnthropicPacer} at
 * {@link Priority#BULK}, the whole job queued in the engine at once so the quota is spent as
 * fast as it refills.
 *
 * <p>Because everything is queued up front, anything that must hold requests back acts where a
 * request is about to go out, not where it is submitted: the engine asks {@link #declineReason}
 * after admission and before every attempt counts as sent, and it declines the attempt once the run
 * is stopping or when the request could pass the cost cap ({@link CostCap}); a declined attempt is
 * not sent, not counted, and gives its reservation back. {@link WindowKeeper} pauses the run's
 * quota keys outside the daily window. A declined or cancelled request gets no result line, so it
 * runs on resume. What the engine did (attempts, retries, fallbacks) is counted from its events
 * ({@link AttemptLedger}). Invariant, under {@code gate}: a request is in {@code sent} exactly when
 * an attempt of it was let out, and the cap holds the worst case of each sent request that has not
 * ended yet.
 */
final class LiveRun {

    /** The engine's queue can hold the whole job; this only bounds memory for huge files. */
    static final int MAX_OUTSTANDING = 2_000;

    private final RunOptions options;
    private final ResultLog log;
    private final Tally tally;
    private final StopSignal stop;
    /** Requests handed to the engine and not yet handled, at most. */
    private final int maxOutstanding;
    private final CostCap cap;

    private final Object gate = new Object();
    private final Set<String> sent = new LinkedHashSet<>();
    /** When the last attempt of each request went out, for its latency. */
    private final Map<String, Instant> sentAt = new java.util.concurrent.ConcurrentHashMap<>();

    /** Per-pool utilization once the run ends (empty when unknown). */
    private final List<Utilization> utilization = new ArrayList<>();

    /** Hears the engine this run builds, before anything is sent (see {@link BatchRunner#onEngine}). */
    private java.util.function.Consumer<Pacer> onEngine = pacer -> {
    };
    /** Hears the client this run builds over that engine, before anything is sent (see {@link BatchRunner#onClient}). */
    private java.util.function.Consumer<AnthropicPacer> onClient = claude -> {
    };

    LiveRun(RunOptions options, ResultLog log, Tally tally, StopSignal stop) {
        this(options, log, tally, stop, MAX_OUTSTANDING);
    }

    LiveRun onEngine(java.util.function.Consumer<Pacer> observer) {
        this.onEngine = observer;
        return this;
    }

    LiveRun onClient(java.util.function.Consumer<AnthropicPacer> observer) {
        this.onClient = observer;
        return this;
    }

    /**
     * {@code maxOutstanding}: requests handed to the engine and not yet handled, at most. A fixed
     * {@code --concurrency} lowers it to that number: the engine's concurrency limit holds per
     * quota pool (per model class), so on its own {@code --concurrency 3} let 3 Sonnet and 3 Haiku
     * calls out at once, while the flag promises 3 in flight for the whole run. Bounding what is
     * handed over keeps that promise; the price is that requests waiting for one pool's quota hold
     * places another pool's requests could use.
     */
    LiveRun(RunOptions options, ResultLog log, Tally tally, StopSignal stop, int maxOutstanding) {
        this.maxOutstanding = options.concurrency() == null ? maxOutstanding : Math.min(maxOutstanding, options.concurrency());
        this.options = options;
        this.log = log;
        this.tally = tally;
        this.stop = stop;
        this.cap = CostCap.live(options, tally);
    }

    List<Utilization> utilization() {
        return utilization;
    }

    void run(List<BatchInput.Item> todo, int totalItems) {
        ModelClasses classes = ModelClasses.defaults();
        Pacer.Builder pb = Pacer.builder().clock(options.clock()).scheduler(options.scheduler())
                .concurrency(options.concurrency() == null
                        ? ConcurrencyLimit.adaptive(new AimdLimit.Settings(16, 2, 512, 0.9))
                        : ConcurrencyLimit.fixed(options.concurrency()))
                .listener(listeners(new AttemptLedger(tally, target -> classes.classOf(target.model())), new ApiSilence(this::unreachable)));
        if (options.quotaStore() != null) {
            pb.store(options.quotaStore());
        }
        ApiKey key = ApiKey.of(options.apiKey());
        options.limits().forEach((modelClass, dims) ->
                dims.forEach((d, l) -> pb.limit(AnthropicQuotaKeys.forModelClass(key, modelClass), d, l)));
        Pacer pacer = pb.build();
        onEngine.accept(pacer);
        AnthropicPacer.Builder cb = AnthropicPacer.builder().baseUrl(options.baseUrl()).apiKey(options.apiKey())
                .pacer(pacer).modelClasses(classes).fallbackModels(options.fallbackModels());
        List<OpenAiFallback> others = options.providerFallbacks().stream()
                .map(e -> OpenAiFallback.builder(e).pacer(pacer).build()).toList();
        others.forEach(cb::fallback);
        try (AnthropicPacer claude = cb.build();
             Progress progress = new Progress(options, pacer, tally, totalItems, log.finishedCount())) {
            onClient.accept(claude);
            Set<QuotaKey> keys = new LinkedHashSet<>();
            todo.forEach(i -> keys.add(claude.quotaKey(i.params().path("model").asText())));
            options.fallbackModels().forEach(m -> keys.add(claude.quotaKey(m)));
            others.forEach(o -> keys.add(o.target().quotaKey()));
            progress.start();
            Instant liveStart = options.clock().instant();
            try (WindowKeeper window = options.window() == null ? null
                    : new WindowKeeper(options.window(), pacer.quotas(), List.copyOf(keys), options.clock(), options.scheduler(),
                    progress::note).start()) {
                submitAndWait(todo, claude);
            }
            Duration elapsed = Duration.between(liveStart, options.clock().instant());
            for (QuotaKey pool : keys) {
                Tally.Pool used = tally.pools.get(pool);
                if (used == null) {
                    continue;
                }
                Map<Dimension, Limit> limits = new HashMap<>();
                QuotaView view = pacer.quotas().view(pool);
                view.dimensions().forEach((d, v) -> limits.put(d, v.limit()));
                Utilization u = Utilization.of(used.name, limits, used.requests.get(), used.input.get(), used.output.get(), elapsed);
                if (u != null) {
                    utilization.add(u);
                }
            }
        }
    }

    /**
     * Hands the job to the engine, at most {@code maxOutstanding} requests at a time, and waits
     * until every one of them is handled or the run stops. Completions drive it: each request that
     * ends lets the next one in ({@link LiveFeeder}), and this thread waits on one future, with no
     * timeout and no polling loop.
     */
    private void submitAndWait(List<BatchInput.Item> todo, AnthropicPacer claude) {
        Map<String, CompletableFuture<AnthropicPacer.Reply>> calls = new ConcurrentHashMap<>();
        LiveFeeder feeder = new LiveFeeder(todo, maxOutstanding, stop, item -> {
            Instant queuedAt = options.clock().instant();
            CompletableFuture<AnthropicPacer.Reply> call = claude.messages(item.params(),
                    CallOptions.defaults().withPriority(Priority.BULK).withDeclineReason(() -> declineReason(item)));
            calls.put(item.customId(), call);
            return call.handle((reply, error) -> {
                finished(item, reply, error, queuedAt, claude);
                return null;
            });
        });
        // A stop also wakes the feeder, so that it admits nothing more and the wait below can end.
        stop.future().thenRun(feeder::feed);
        feeder.feed();
        try {
            CompletableFuture.anyOf(feeder.drained(), stop.future()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(StopSignal.Reason.INTERRUPTED);
        } catch (ExecutionException neverExceptional) {
            // neither future completes exceptionally
        }
        if (feeder.drained().isDone()) {
            return;
        }
        // Stopping: nothing new goes out (declineReason refuses it), calls still queued are given up,
        // and calls at the provider get the grace period to bring their answers home.
        List<CompletableFuture<Void>> atProvider = new ArrayList<>();
        synchronized (gate) {
            sent.forEach(id -> {
                CompletableFuture<Void> h = feeder.unhandled(id);
                if (h != null && cap.holds(id)) {
                    atProvider.add(h);
                }
            });
            calls.forEach((id, f) -> {
                if (!sent.contains(id)) {
                    f.cancel(false);
                }
            });
        }
        try {
            CompletableFuture.allOf(atProvider.toArray(CompletableFuture[]::new)).get(options.grace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception timeoutOrInterrupted) {
            // What did not finish in the grace period has no result line and runs again on resume.
        }
    }

    /**
     * Asked by the engine after admission and before each attempt of {@code item} counts as sent: why
     * not to send it after all, or null to send it (then it is recorded as sent).
     */
    private String declineReason(BatchInput.Item item) {
        synchronized (gate) {
            if (stop.isSet()) {
                return "the run is stopping";
            }
            if (!cap.tryCommit(item.customId(), List.of(item))) {
                if (stop.set(StopSignal.Reason.COST_CAP)) {
                    options.out().printf("%nStopping: the next request could pass the cost cap of $%.2f ($%.4f spent, $%.4f at most"
                            + " still in flight); rerun with a higher --max-cost to finish.%n", cap.usd(), cap.spent(), cap.committed());
                }
                return "it could pass the cost cap";
            }
            sentAt.put(item.customId(), options.clock().instant());
            sent.add(item.customId());
            return null;
        }
    }

    private void finished(BatchInput.Item item, AnthropicPacer.Reply reply, Throwable error, Instant queuedAt, AnthropicPacer claude) {
        try {
            record(item, reply, error, queuedAt, claude);
        } finally {
            cap.release(item.customId());
        }
    }

    private void record(BatchInput.Item item, AnthropicPacer.Reply reply, Throwable error, Instant queuedAt, AnthropicPacer claude) {
        Throwable cause = unwrap(error);
        if (cause instanceof CancellationException || cause instanceof AttemptDeclined) {
            return; // held back on stop or by the cost cap: no result, so it runs again on resume
        }
        ObjectNode pacerMeta = BatchInput.JSON.createObjectNode();
        if (reply != null) {
            ObjectNode line = BatchInput.JSON.createObjectNode();
            line.put("custom_id", item.customId());
            ObjectNode result = line.putObject("result");
            result.put("type", "succeeded");
            result.set("message", reply.message());
            Usage usage = reply.usage();
            tally.cost.add(options.prices().cost(claude.modelClasses().classOf(reply.model()), reply.message().path("usage"), false));
            tally.input.addAndGet(usage.totalInput());
            tally.output.addAndGet(usage.output());
            pacerMeta.put("attempts", reply.call().attempts());
            pacerMeta.put("model", reply.model());
            pacerMeta.put("queued_ms", reply.call().queued().toMillis());
            // The wait for quota is queued_ms; latency is the answering attempt's, from its send to its answer.
            Instant now = options.clock().instant();
            pacerMeta.put("latency_ms", Duration.between(sentAt.getOrDefault(item.customId(), queuedAt), now).toMillis());
            line.set("pacer", pacerMeta);
            log.append(item.customId(), "succeeded", line);
            tally.done.incrementAndGet();
            return;
        }
        Outcome outcome = cause instanceof CallFailed failed ? failed.outcome() : null;
        if (outcome != null && (outcome.family() == OutcomeFamily.CONNECTION_FAILURE || outcome.family() == OutcomeFamily.TIMEOUT)) {
            // The API never answered: an "errored" line would be final and skipped on every resume.
            tally.unanswered.incrementAndGet();
            return;
        }
        String type = "api_error";
        String message = cause == null ? "unknown failure" : cause.getMessage();
        if (outcome != null && outcome.errorType() != null) {
            type = outcome.errorType();
            message = outcome.message();
        } else if (cause instanceof PacerException) {
            type = "pacer_error";
        }
        ObjectNode errLine = BatchRunner.errored(item.customId(), type, message, null);
        if (cause instanceof CallFailed failed) {
            pacerMeta.put("attempts", failed.attempts());
            errLine.set("pacer", pacerMeta);
        }
        log.append(item.customId(), "errored", errLine);
        tally.errored.incrementAndGet();
        tally.done.incrementAndGet();
    }

    /** The API has never answered ({@link ApiSilence}): stop, and say what to check. */
    private void unreachable(OutcomeFamily lastFailure) {
        if (stop.set(StopSignal.Reason.UNREACHABLE)) {
            options.out().printf("%nStopping: %s does not answer (%s); check --base-url and the network, then rerun the same"
                    + " command to resume.%n", options.baseUrl(), lastFailure.name().toLowerCase().replace('_', ' '));
        }
    }

    private static PacerListener listeners(PacerListener first, PacerListener second) {
        return event -> {
            first.onEvent(event);
            second.onEvent(event);
        };
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
