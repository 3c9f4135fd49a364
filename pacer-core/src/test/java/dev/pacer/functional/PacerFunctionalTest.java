package dev.pacer.functional;

import static dev.pacer.functional.ScriptedProvider.fail;
import static dev.pacer.functional.ScriptedProvider.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.AttemptResult;
import dev.pacer.CallFailed;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.breaker.BreakerState;
import dev.pacer.breaker.CircuitBreakerSettings;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.route.Route;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine end to end against a scripted provider on virtual time. Behaviour tests run twice:
 * through the async API and through the blocking one (Failsafe style). Tests that measure how much
 * virtual time passes run async only: with the blocking API a real thread has to wake up with its
 * result while the driver moves time, so the instants they assert on would depend on scheduling.
 */
class PacerFunctionalTest {

    enum Mode { ASYNC, SYNC }

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey primaryKey = QuotaKey.of("acct:opus");
    private final QuotaKey fallbackKey = QuotaKey.of("acct:sonnet");
    private final Target primary = Target.of("anthropic", "opus", primaryKey);
    private final Target fallback = Target.of("anthropic", "sonnet", fallbackKey);
    private final List<PacerEvent> events = new CopyOnWriteArrayList<>();

    private Pacer.Builder pacer() {
        Random seeded = new Random(7);
        return Pacer.builder().time(time).executor(Runnable::run).listener(events::add)
                .retryPolicy(RetryPolicy.builder().random(seeded::nextDouble).build());
    }

    private CallSpec spec(Route route) {
        return CallSpec.builder().route(route).cost(Cost.requests(1, 1_000, 500)).build();
    }

    /** Runs one call in the given mode, driving virtual time until it ends. */
    private CompletableFuture<CallResult<String>> run(Mode mode, Pacer pacer, CallSpec spec, ScriptedProvider provider) {
        CompletableFuture<CallResult<String>> result;
        if (mode == Mode.ASYNC) {
            result = pacer.execute(spec, provider);
        } else {
            CompletableFuture<CallResult<String>> blocking = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    blocking.complete(pacer.call(spec, provider));
                } catch (Throwable e) {
                    blocking.completeExceptionally(e);
                }
            }, "blocking-caller");
            caller.start();
            // Only start moving time once the caller is parked in call(): from then on every step
            // runs on this thread, exactly as in the async mode, so the two modes see the same time.
            while (caller.getState() == Thread.State.NEW || caller.getState() == Thread.State.RUNNABLE) {
                Thread.onSpinWait();
            }
            blockedCaller = caller;
            result = blocking;
        }
        drive(result);
        return result;
    }

    /** The thread parked in the blocking API, if any: time only moves while it is parked. */
    private volatile Thread blockedCaller;

    /** Advances virtual time in small steps until {@code done} completes (bounded). */
    private void drive(CompletableFuture<?> done) {
        for (int step = 0; step < 200_000 && !done.isDone(); step++) {
            Thread caller = blockedCaller;
            while (caller != null && caller.getState() == Thread.State.RUNNABLE) {
                Thread.onSpinWait(); // woken with its result: let it finish before time moves on
            }
            time.advance(Duration.ofMillis(100));
            if (!done.isDone()) {
                try {
                    done.get(0, TimeUnit.MILLISECONDS);
                } catch (Exception notYet) {
                    Thread.onSpinWait();
                }
            }
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get();
            throw new AssertionError("expected the call to fail");
        } catch (ExecutionException e) {
            return e.getCause() instanceof dev.pacer.PacerException ? e.getCause()
                    : e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aSuccessSettlesWithTheRealUsageAndSaysWhoAnswered(Mode mode) throws Exception {
        Pacer pacer = pacer().limit(primaryKey, Dimension.OUTPUT_TOKENS, Limit.perMinute(10_000)).build();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofSeconds(2), ScriptedProvider::ok);
        CallResult<String> result = run(mode, pacer, spec(Route.of(primary, fallback)), provider).get();
        assertThat(result.value()).isEqualTo("answer from opus");
        assertThat(result.target()).isEqualTo(primary);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(result.fellBack()).isFalse();
        // Reserved 500 output tokens, used 10: the rest is back at once.
        assertThat(pacer.quotas().view(primaryKey).dimension(Dimension.OUTPUT_TOKENS).level()).isGreaterThan(9_989);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.Settled s && s.actual().get(Dimension.OUTPUT_TOKENS) == 10);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void requestAndAuthErrorsFailAtOnceWithoutRetryOrFallback(Mode mode) {
        for (OutcomeFamily family : List.of(OutcomeFamily.REQUEST_ERROR, OutcomeFamily.AUTH_ERROR)) {
            Pacer pacer = pacer().build();
            ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(300),
                    ctx -> fail(family, family == OutcomeFamily.AUTH_ERROR ? 401 : 400, "invalid_request_error"));
            Throwable error = failure(run(mode, pacer, spec(Route.of(primary, fallback)), provider));
            assertThat(error).isInstanceOf(CallFailed.class).hasMessageContaining("not retried");
            assertThat(((CallFailed) error).attempts()).isEqualTo(1);
            assertThat(((CallFailed) error).callId()).as("the id its events carry").isPositive();
            assertThat(provider.attemptsOn("sonnet")).isZero();
            assertThat(events).noneMatch(e -> e instanceof PacerEvent.FallbackTaken);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void anOverloadedPrimaryFallsBackAndItsBreakerStopsTraffic(Mode mode) throws Exception {
        Pacer pacer = pacer().retryPolicy(RetryPolicy.builder().maxAttempts(2).random(() -> 0.5).build()).build();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(500),
                ctx -> ctx.target().model().equals("opus") ? fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error") : ok(ctx));
        for (int i = 0; i < 10; i++) {
            CallResult<String> r = run(mode, pacer, spec(Route.of(primary, fallback)), provider).get();
            assertThat(r.target()).isEqualTo(fallback);
            assertThat(r.skipped()).hasSize(1);
        }
        assertThat(pacer.breakerState(primary)).isEqualTo(BreakerState.OPEN);
        // 5 consecutive failures open it (3 calls x 2 attempts at most); after that only half-open probes reach it.
        long probes = events.stream().filter(e -> e instanceof PacerEvent.BreakerStateChanged b && b.to() == BreakerState.HALF_OPEN).count();
        assertThat(provider.attemptsOn("opus")).isLessThanOrEqualTo(6 + probes);
        assertThat(probes).isLessThanOrEqualTo(3);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.FallbackTaken f && f.reason() == SkipReason.BREAKER_OPEN);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.BreakerStateChanged b && b.to() == BreakerState.OPEN);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void aRateLimitPausesTheKeySoOtherCallsWaitInsteadOfHittingTheWall(Mode mode) throws Exception {
        Pacer pacer = pacer().build();
        boolean[] limited = {true};
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(200), ctx -> {
            if (limited[0]) {
                limited[0] = false;
                return AttemptResult.failure(new Outcome(OutcomeFamily.RATE_LIMITED, 429, "rate_limit_error",
                        "would exceed 30,000 input tokens per minute", Dimension.INPUT_TOKENS,
                        RetryHints.retryAfter(Duration.ofSeconds(10)), null), null);
            }
            return ok(ctx);
        });
        CompletableFuture<CallResult<String>> first = pacer.execute(spec(Route.of(primary)), provider);
        time.advance(Duration.ofSeconds(1));
        CompletableFuture<CallResult<String>> second = run(mode, pacer, spec(Route.of(primary)), provider);
        drive(first);
        assertThat(first.get().attempts()).isEqualTo(2);
        assertThat(second.get().attempts()).isEqualTo(1);
        // Nothing was sent between the 429 (t = 0.2 s) and the end of its pause (t = 10.2 s).
        assertThat(provider.seen).hasSize(3);
        assertThat(provider.seen.subList(1, 3)).allMatch(s -> !s.at().isBefore(provider.seen.get(0).at().plusMillis(10_200)));
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.QuotaPaused p && p.dimension() == Dimension.INPUT_TOKENS);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void theServersDelayWinsOverBackoff(Mode mode) throws Exception {
        Pacer pacer = pacer().build();
        int[] calls = {0};
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ctx -> calls[0]++ == 0
                ? fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error", RetryHints.retryAfter(Duration.ofSeconds(7)))
                : ok(ctx));
        run(mode, pacer, spec(Route.of(primary)), provider).get();
        Duration gap = Duration.between(provider.seen.get(0).at(), provider.seen.get(1).at());
        assertThat(gap).isBetween(Duration.ofMillis(7_100), Duration.ofMillis(7_300));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void xShouldRetryFalseAndSpendCapsAreNotRetried(Mode mode) {
        Pacer pacer = pacer().build();
        ScriptedProvider noRetry = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> fail(OutcomeFamily.SERVER_ERROR, 500, "api_error", new RetryHints(null, false, null)));
        assertThat(failure(run(mode, pacer, spec(Route.of(primary)), noRetry))).isInstanceOf(CallFailed.class);
        assertThat(noRetry.seen).hasSize(1);

        ScriptedProvider capped = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> fail(OutcomeFamily.SPEND_CAP, 429, "rate_limit_error", new RetryHints(null, null, time.instant().plusSeconds(86_400))));
        Throwable error = failure(run(mode, pacer, spec(Route.of(fallback)), capped));
        assertThat(error).isInstanceOf(CallFailed.class).hasMessageContaining("spend cap");
        assertThat(capped.seen).hasSize(1);
        assertThat(pacer.quotas().view(fallbackKey).pausedUntil()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void retriesReEnterAdmissionAndPayQuotaAgain(Mode mode) throws Exception {
        Pacer pacer = pacer().limit(primaryKey, Dimension.REQUESTS, Limit.of(1, 6, Duration.ofMinutes(1))).build();
        int[] calls = {0};
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> calls[0]++ == 0 ? fail(OutcomeFamily.SERVER_ERROR, 500, "api_error") : ok(ctx));
        run(mode, pacer, spec(Route.of(primary)), provider).get();
        // One request per 10 s: the retry waited for the bucket, not just for its backoff (< 0.5 s).
        Duration gap = Duration.between(provider.seen.get(0).at(), provider.seen.get(1).at());
        assertThat(gap).isGreaterThanOrEqualTo(Duration.ofSeconds(9));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theDeadlineCoversEveryAttempt(Mode mode) {
        Pacer pacer = pacer().build();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error", RetryHints.retryAfter(Duration.ofSeconds(20))));
        CallSpec spec = CallSpec.builder().route(Route.of(primary)).cost(Cost.requests(1, 10, 10))
                .deadline(time.instant().plusSeconds(5)).build();
        Throwable error = failure(run(mode, pacer, spec, provider));
        assertThat(error).isInstanceOf(CallFailed.class).hasMessageContaining("deadline");
        assertThat(provider.seen).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void aQuotaWaitPastTheDeadlineFallsBackThenFailsWithTheReason(Mode mode) throws Exception {
        Pacer pacer = pacer().limit(primaryKey, Dimension.OUTPUT_TOKENS, Limit.perMinute(600)).build();
        pacer.quotas().tryAcquire(primaryKey, Cost.of(Dimension.OUTPUT_TOKENS, 600)).settle(Cost.of(Dimension.OUTPUT_TOKENS, 600));
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ScriptedProvider::ok);
        CallSpec spec = CallSpec.builder().route(Route.of(primary, fallback)).cost(Cost.requests(1, 10, 500))
                .deadline(time.instant().plusSeconds(5)).build();
        CallResult<String> result = run(mode, pacer, spec, provider).get();
        assertThat(result.target()).isEqualTo(fallback);
        assertThat(result.skipped().get(0).reason()).isEqualTo(SkipReason.QUOTA_WAIT);

        CallSpec alone = CallSpec.builder().route(Route.of(primary)).cost(Cost.requests(1, 10, 500))
                .deadline(time.instant().plusSeconds(5)).build();
        assertThat(failure(run(mode, pacer, alone, provider))).isInstanceOf(QuotaWaitExceeded.class)
                .hasMessageContaining("output_tokens");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aStreamHoldsItsPermitUntilItEnds(Mode mode) throws Exception {
        Pacer pacer = pacer().concurrency(ConcurrencyLimit.fixed(1)).build();
        CompletableFuture<Cost> streamEnd = new CompletableFuture<>();
        ScriptedProvider streaming = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> AttemptResult.streaming(Outcome.success(200, null), "stream", streamEnd));
        CallResult<String> first = run(mode, pacer, spec(Route.of(primary)), streaming).get();
        assertThat(first.value()).isEqualTo("stream");
        ScriptedProvider plain = new ScriptedProvider(time, Duration.ofMillis(100), ScriptedProvider::ok);
        CompletableFuture<CallResult<String>> second = pacer.execute(spec(Route.of(primary)), plain);
        time.advance(Duration.ofSeconds(30));
        assertThat(second).isNotDone();
        assertThat(plain.seen).isEmpty();
        streamEnd.complete(Cost.requests(1, 1_000, 42));
        drive(second);
        assertThat(second.get().attempts()).isEqualTo(1);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.Settled s && s.actual().get(Dimension.OUTPUT_TOKENS) == 42);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aStreamThatBreaksOffWithAnOverloadIsNotRetriedButItsBreakerHearsIt(Mode mode) throws Exception {
        Pacer pacer = pacer().breaker(CircuitBreakerSettings.defaults().withConsecutiveFailures(2)).build();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Cost> streamEnd = new CompletableFuture<>();
            ScriptedProvider streaming = new ScriptedProvider(time, Duration.ofMillis(100),
                    ctx -> AttemptResult.streaming(Outcome.success(200, null), "stream", streamEnd));
            CallResult<String> call = run(mode, pacer, spec(Route.of(primary)), streaming).get();
            assertThat(call.attempts()).isEqualTo(1);
            Outcome overloaded = new Outcome(OutcomeFamily.OVERLOADED, 200, "overloaded_error", "Overloaded", null, null, null);
            streamEnd.completeExceptionally(new dev.pacer.StreamInterrupted(overloaded, Cost.requests(1, 1_000, 7)));
            assertThat(streaming.seen).hasSize(1);
        }
        assertThat(pacer.breakerState(primary)).isEqualTo(BreakerState.OPEN);
        assertThat(events).filteredOn(e -> e instanceof PacerEvent.StreamInterrupted).hasSize(2);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.Settled s && s.actual().get(Dimension.OUTPUT_TOKENS) == 7);
        assertThat(pacer.quotas().view(primaryKey).inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "ASYNC") // measures virtual time: see the class comment
    void whenOnlyAnOpenBreakerStandsInTheWayTheCallWaitsForItsProbe(Mode mode) throws Exception {
        Pacer pacer = pacer().retryPolicy(RetryPolicy.builder().maxAttempts(1).build())
                .breaker(CircuitBreakerSettings.defaults().withConsecutiveFailures(2)).build();
        int[] calls = {0};
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100),
                ctx -> calls[0]++ < 2 ? fail(OutcomeFamily.SERVER_ERROR, 500, "api_error") : ok(ctx));
        failure(run(mode, pacer, spec(Route.of(primary)), provider));
        failure(run(mode, pacer, spec(Route.of(primary)), provider));
        assertThat(pacer.breakerState(primary)).isEqualTo(BreakerState.OPEN);
        CallResult<String> third = run(mode, pacer, spec(Route.of(primary)), provider).get();
        assertThat(third.value()).isEqualTo("answer from opus");
        assertThat(pacer.breakerState(primary)).isEqualTo(BreakerState.CLOSED);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theRetryBudgetBoundsAmplificationUnderTotalFailure(Mode mode) {
        Pacer pacer = pacer().retryPolicy(RetryPolicy.builder().maxAttempts(10).baseDelay(Duration.ofMillis(100))
                        .maxDelay(Duration.ofSeconds(1)).build())
                .breaker(new CircuitBreakerSettings(1000, 1.0, 10_000, 10_000, Duration.ofSeconds(1), Duration.ofSeconds(1), 1))
                .build();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(50),
                ctx -> fail(OutcomeFamily.SERVER_ERROR, 503, "api_error"));
        List<CompletableFuture<CallResult<String>>> calls = new ArrayList<>();
        java.time.Instant start = time.instant();
        int n = mode == Mode.ASYNC ? 1_000 : 100;
        for (int i = 0; i < n; i++) {
            calls.add(mode == Mode.ASYNC ? pacer.execute(spec(Route.of(primary)), provider) : run(mode, pacer, spec(Route.of(primary)), provider));
            time.advance(Duration.ofMillis(100)); // 10 calls per second over the run
        }
        drive(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(t -> null));
        double amplification = (double) provider.seen.size() / n;
        double seconds = Duration.between(start, time.instant()).toMillis() / 1000.0;
        // 20% of first attempts plus the floor of 1 retry per second (and its 10 s reserve).
        assertThat((double) provider.seen.size()).isLessThanOrEqualTo(n * 1.2 + seconds + 10);
        if (mode == Mode.ASYNC) {
            assertThat(amplification).isLessThan(1.35);
        }
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.RetryBudgetExhausted);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aFailingListenerNeverBreaksACall(Mode mode) throws Exception {
        Pacer pacer = pacer().listener(event -> {
            throw new IllegalStateException("listener bug");
        }).build();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ScriptedProvider::ok);
        assertThat(run(mode, pacer, spec(Route.of(primary)), provider).get().value()).isEqualTo("answer from opus");
    }
}
