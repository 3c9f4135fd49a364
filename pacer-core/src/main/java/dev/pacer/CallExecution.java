package dev.pacer;

import dev.pacer.internal.CircuitBreaker;
import dev.pacer.concurrency.ConcurrencySignal;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.internal.LinePermit;
import dev.pacer.quota.Permit;
import dev.pacer.route.Route;
import dev.pacer.route.Skip;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The path of one call, top to bottom: for each target of the route, in order —
 * <ol>
 *   <li><b>breaker</b>: skip the target while its breaker is open;</li>
 *   <li><b>admit</b>: wait for the target's quota (fail over when the wait would pass the deadline);</li>
 *   <li><b>attempt</b>: run the provider's attempt on the executor;</li>
 *   <li><b>classify and settle</b>: settle the reservation with the real usage (or refund it),
 *       feed the provider's snapshot to calibration, tell the breaker and the concurrency limit;</li>
 *   <li><b>retry or fall back</b>: request and auth errors fail the call at once; a 429 pauses the
 *       key until the provider's reset and re-enters admission; other retryable outcomes wait a
 *       jittered backoff (or the server's delay) within the retry budget; when the target's
 *       attempts, budget or deadline are spent, move to the next target.</li>
 * </ol>
 * One class (about 440 lines) on purpose: the path of a call reads top to bottom in one place, each
 * numbered section a step. Only one step of a call runs at a time; each hands over to the next through a future or a
 * scheduled task, so no thread is held while a call waits.
 */
final class CallExecution<T> {

    private static final int MAX_BREAKER_RESTARTS = 1000;

    private final Pacer pacer;
    private final long callId;
    private final CallSpec spec;
    private final Attempt<T> attempt;
    private final Route route;
    private final CompletableFuture<CallResult<T>> result = new CompletableFuture<>();
    private final List<Skip> skips = new ArrayList<>();
    private int attempts;
    private long queuedNanos;
    private Outcome lastOutcome;
    private PacerException lastAdmissionError;
    private int restarts;
    private int rateLimitedRetries;
    private final long startedNanos;
    private volatile Target lastTarget;
    private volatile boolean endedEmitted;

    private static final java.lang.invoke.VarHandle ENDED;

    static {
        try {
            ENDED = java.lang.invoke.MethodHandles.lookup().findVarHandle(CallExecution.class, "endedEmitted", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private volatile CompletableFuture<Permit> admission;

    /** The reason of the {@code RetryScheduled} a caller's own retry is counted with (its family is null). */
    static final String CLIENT_RETRY = "client_retry";

    CallExecution(Pacer pacer, long callId, CallSpec spec, Attempt<T> attempt) {
        this.pacer = pacer;
        this.callId = callId;
        this.spec = spec;
        this.attempt = attempt;
        this.route = spec.route();
        this.startedNanos = pacer.clock.nanoTime();
    }

    CompletableFuture<CallResult<T>> result() {
        return result;
    }

    void start() {
        result.whenComplete((r, e) -> {
            CompletableFuture<Permit> waiting = admission;
            if (result.isCancelled() && waiting != null) {
                waiting.cancel(false);
            }
            if (result.isCancelled()) {
                ended(null, unwrap(e));
            }
        });
        tryTarget(0);
    }

    // ---------------------------------------------------------------- 1. breaker

    private void tryTarget(int index) {
        if (result.isDone()) {
            return;
        }
        if (index >= route.size()) {
            exhausted();
            return;
        }
        Target target = route.get(index);
        lastTarget = target;
        Skip passed;
        try {
            passed = attempt.passOver(target);
        } catch (RuntimeException e) {
            fail(new PacerException("The pass-over check for " + target + " failed: " + e.getMessage(), e));
            return;
        }
        if (passed != null) {
            skip(index, passed.reason(), passed.outcome());
            return;
        }
        CircuitBreaker.Permission permission = pacer.breaker(target).tryAcquire(callId, attempts + 1);
        if (permission == CircuitBreaker.Permission.REFUSED) {
            skip(index, SkipReason.BREAKER_OPEN, null);
            return;
        }
        admit(index, 1, permission == CircuitBreaker.Permission.PROBE, Duration.ZERO);
    }

    // ---------------------------------------------------------------- 2. admit

    private void admit(int index, int onTarget, boolean probe, Duration previousDelay) {
        Target target = route.get(index);
        if (result.isDone()) {
            cancelProbe(target, probe);
            return;
        }
        Cost cost;
        try {
            cost = spec.cost().apply(target);
        } catch (RuntimeException e) {
            cancelProbe(target, probe);
            fail(new PacerException("The cost estimate for " + target + " failed: " + e.getMessage(), e));
            return;
        }
        CompletableFuture<Permit> waiting = pacer.quotas.line(target.quotaKey(), target.quotaModel())
                .acquire(cost, spec.priority(), spec.deadline(), () -> spec.cost().apply(target), callId, attempts + 1);
        admission = waiting;
        waiting.whenComplete((permit, error) -> {
            if (error != null) {
                cancelProbe(target, probe);
                Throwable cause = unwrap(error);
                if (cause instanceof CancellationException) {
                    return;
                }
                if (cause instanceof QuotaWaitExceeded wait) {
                    lastAdmissionError = wait;
                    skip(index, SkipReason.QUOTA_WAIT, null);
                } else if (cause instanceof CapacityExceeded capacity) {
                    lastAdmissionError = capacity;
                    skip(index, SkipReason.CAPACITY, null);
                } else {
                    fail(cause);
                }
                return;
            }
            if (result.isDone()) {
                permit.release();
                cancelProbe(target, probe);
                return;
            }
            LinePermit admitted = (LinePermit) permit;
            queuedNanos += admitted.waited().toNanos();
            try {
                pacer.executor.execute(() -> send(index, onTarget, probe, previousDelay, admitted, cost));
            } catch (RuntimeException rejected) {
                permit.release();
                cancelProbe(target, probe);
                fail(new PacerException("The executor refused the attempt: " + rejected.getMessage(), rejected));
            }
        });
    }

    // ---------------------------------------------------------------- 3. attempt

    private void send(int index, int onTarget, boolean probe, Duration previousDelay, LinePermit permit, Cost cost) {
        Target target = route.get(index);
        int number = attempts + 1;
        AttemptContext context = new AttemptContext(callId, target, number, onTarget, cost, spec.deadline());
        String declined;
        try {
            declined = attempt.declineReason(context);
        } catch (RuntimeException e) {
            declined = "its decline check failed (" + e + ")";
        }
        if (declined != null) {
            // Nothing was sent: not an attempt, not a first attempt for the budget, and everything is given back.
            permit.release();
            cancelProbe(target, probe);
            pacer.emit(new PacerEvent.AttemptDeclined(pacer.clock.instant(), callId, number, target, declined));
            fail(new AttemptDeclined(target, declined));
            return;
        }
        attempts = number;
        if (number == 1 && spec.clientRetries() > 0) {
            // the caller's own retry of an earlier call: a retry on the budget, not new demand
            pacer.budget(target).recordRetry();
            pacer.emit(new PacerEvent.RetryScheduled(pacer.clock.instant(), callId, 0, target, Duration.ZERO, CLIENT_RETRY, null));
        } else if (onTarget == 1) {
            pacer.budget(target).recordFirstAttempt();
        }
        pacer.emit(new PacerEvent.AttemptStarted(pacer.clock.instant(), callId, number, target));
        long started = pacer.clock.nanoTime();
        permit.sent();
        CompletionStage<AttemptResult<T>> stage;
        try {
            stage = attempt.run(context);
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new NullPointerException("The attempt returned no stage"));
            }
        } catch (Throwable t) {
            stage = CompletableFuture.failedFuture(t);
        }
        stage.whenComplete((res, err) -> {
            try {
                ended(index, onTarget, probe, previousDelay, permit, cost, number, started, res, err);
            } catch (RuntimeException bug) {
                permit.release();
                fail(bug);
            }
        });
    }

    // ---------------------------------------------------------------- 4. classify and settle

    private void ended(int index, int onTarget, boolean probe, Duration previousDelay, LinePermit permit, Cost cost,
                       int number, long started, AttemptResult<T> res, Throwable error) {
        Target target = route.get(index);
        if (error != null || res == null) {
            // The provider classifies every outcome, transport failures included (its AttemptResult says
            // CONNECTION_FAILURE or TIMEOUT): an attempt that fails its stage instead has a bug, and the call ends.
            Throwable cause = error == null ? new NullPointerException("The attempt completed with no result") : unwrap(error);
            permit.release();
            cancelProbe(target, probe);
            fail(cause instanceof PacerException p ? p
                    : new PacerException("The attempt on " + target + " failed: " + cause, cause));
            return;
        }
        Outcome outcome = res.outcome();
        lastOutcome = outcome;
        pacer.emit(new PacerEvent.AttemptFinished(pacer.clock.instant(), callId, number, target, outcome,
                Duration.ofNanos(pacer.clock.nanoTime() - started)));
        if (outcome.isSuccess()) {
            succeeded(target, probe, permit, cost, res, number);
            return;
        }
        pacer.breaker(target).onOutcome(outcome.family(), probe, callId, number);
        OutcomeFamily family = outcome.family();
        permit.signal(family == OutcomeFamily.OVERLOADED || family == OutcomeFamily.TIMEOUT
                ? ConcurrencySignal.DROPPED : ConcurrencySignal.IGNORE);
        permit.settle(res.usage() != null ? res.usage() : target.quotaModel().chargedFor(outcome, cost), outcome.snapshot());
        if (family == OutcomeFamily.RATE_LIMITED) {
            pacer.quotas.line(target.quotaKey(), target.quotaModel()).rateLimited(callId, number);
        }
        retryOrFallBack(index, onTarget, previousDelay, outcome);
    }

    private void succeeded(Target target, boolean probe, LinePermit permit, Cost estimate, AttemptResult<T> res, int number) {
        permit.signal(ConcurrencySignal.SUCCESS);
        if (res.completion() != null) {
            // A committed stream: the reservation and the slot are held until it ends, and the breaker
            // hears it then: a stream that breaks off with an overload is an overload, not a success.
            if (res.outcome().snapshot() != null) {
                permit.calibrate(res.outcome().snapshot());
            }
            res.completion().whenComplete((usage, streamError) -> {
                Cost actual = usage != null ? usage : estimate;
                OutcomeFamily family = OutcomeFamily.SUCCESS;
                if (unwrap(streamError) instanceof StreamInterrupted broken) {
                    // Too late to retry, but the breaker and the concurrency limit hear how it ended.
                    family = broken.outcome().family();
                    pacer.emit(new PacerEvent.StreamInterrupted(pacer.clock.instant(), callId, number, target, broken.outcome()));
                    permit.signal(family == OutcomeFamily.OVERLOADED || family == OutcomeFamily.TIMEOUT
                            ? ConcurrencySignal.DROPPED : ConcurrencySignal.IGNORE);
                    if (broken.usage() != null) {
                        actual = broken.usage();
                    }
                }
                pacer.breaker(target).onOutcome(family, probe, callId, number);
                permit.settle(actual);
                pacer.emit(new PacerEvent.Settled(pacer.clock.instant(), callId, number, target, estimate, actual));
            });
        } else {
            pacer.breaker(target).onOutcome(OutcomeFamily.SUCCESS, probe, callId, number);
            Cost actual = res.usage() != null ? res.usage() : estimate;
            permit.settle(actual, res.outcome().snapshot());
            pacer.emit(new PacerEvent.Settled(pacer.clock.instant(), callId, number, target, estimate, actual));
        }
        CallResult<T> done = new CallResult<>(res.value(), target, res.outcome(), attempts, skips, Duration.ofNanos(queuedNanos), callId);
        ended(done, null);
        result.complete(done);
    }

    // ---------------------------------------------------------------- 5. retry or fall back

    private void retryOrFallBack(int index, int onTarget, Duration previousDelay, Outcome outcome) {
        Target target = route.get(index);
        switch (outcome.family()) {
            case REQUEST_ERROR, AUTH_ERROR -> {
                // The brief's rule, on purpose stricter than the SDKs' (which would honour x-should-retry: true here).
                fail(new CallFailed(target + " refused the request (" + outcome.describe()
                        + "); it was not retried because retrying cannot change the answer.", outcome, attempts, skips, null, callId));
                return;
            }
            case SPEND_CAP -> {
                if (outcome.hints().resumeAt() != null) {
                    pacer.quotas.line(target.quotaKey(), target.quotaModel()).pause(null, outcome.hints().resumeAt(), callId, attempts);
                }
                skip(index, SkipReason.SPEND_CAP, outcome);
                return;
            }
            default -> {
            }
        }
        boolean rateLimited = outcome.family() == OutcomeFamily.RATE_LIMITED;
        if (rateLimited ? !retryRateLimited(outcome) : !pacer.retryPolicy.shouldRetry(outcome, onTarget)) {
            skip(index, SkipReason.RETRIES_EXHAUSTED, outcome);
            return;
        }
        Duration delay = pacer.retryPolicy.delay(outcome, onTarget, previousDelay);
        if (delay == null) {
            skip(index, SkipReason.SERVER_DELAY_TOO_LONG, outcome);
            return;
        }
        if (outcome.family() == OutcomeFamily.RATE_LIMITED) {
            // The quota is the wall, not the target: pause the key so every caller waits, and wait in admission.
            Duration pause = delay.isZero() ? pacer.retryPolicy.backoff(onTarget, previousDelay) : delay;
            pacer.quotas.line(target.quotaKey(), target.quotaModel())
                    .pause(outcome.dimension(), pacer.clock.instant().plus(pause), callId, attempts);
            delay = Duration.ZERO;
        }
        Instant deadline = spec.deadline();
        if (deadline != null && pacer.clock.instant().plus(delay).isAfter(deadline)) {
            skip(index, SkipReason.DEADLINE, outcome);
            return;
        }
        // A 429's retry waits in admission for the quota, so it cannot add load: it does not spend the budget.
        if (!rateLimited && !pacer.budget(target).tryRetry()) {
            pacer.emit(new PacerEvent.RetryBudgetExhausted(pacer.clock.instant(), callId, attempts, target));
            skip(index, SkipReason.BUDGET_EXHAUSTED, outcome);
            return;
        }
        pacer.emit(new PacerEvent.RetryScheduled(pacer.clock.instant(), callId, attempts, target, delay, outcome.describe(),
                outcome.family()));
        Duration waited = delay;
        int nextOnTarget = rateLimited ? onTarget : onTarget + 1;
        Runnable retry = () -> {
            CircuitBreaker.Permission permission = pacer.breaker(target).tryAcquire(callId, attempts + 1);
            if (permission == CircuitBreaker.Permission.REFUSED) {
                skip(index, SkipReason.BREAKER_OPEN, outcome);
            } else {
                admit(index, nextOnTarget, permission == CircuitBreaker.Permission.PROBE, waited);
            }
        };
        if (delay.isZero()) {
            retry.run();
        } else {
            pacer.scheduler.schedule(retry, delay);
        }
    }

    /** 429s are retried (after the key's pause) up to the policy's own limit for them, unless the provider says not to. */
    private boolean retryRateLimited(Outcome outcome) {
        if (Boolean.FALSE.equals(outcome.hints().shouldRetry())) {
            return false;
        }
        return ++rateLimitedRetries <= pacer.retryPolicy.maxRateLimitedRetries();
    }

    private void skip(int index, SkipReason reason, Outcome outcome) {
        Target target = route.get(index);
        skips.add(new Skip(target, reason, outcome));
        Target next = index + 1 < route.size() ? route.get(index + 1) : null;
        pacer.emit(new PacerEvent.FallbackTaken(pacer.clock.instant(), callId, attempts, target, next, reason));
        tryTarget(index + 1);
    }

    /** Every target was passed over. Wait for a breaker if that is all that stands in the way; else fail. */
    private void exhausted() {
        boolean onlyBreakers = !skips.isEmpty() && skips.stream().allMatch(s -> s.reason() == SkipReason.BREAKER_OPEN);
        if (onlyBreakers && restarts < MAX_BREAKER_RESTARTS) {
            Duration wait = route.targets().stream().map(t -> pacer.breaker(t).remainingOpen())
                    .min(Duration::compareTo).orElse(Duration.ZERO);
            Instant deadline = spec.deadline();
            if (deadline == null || !pacer.clock.instant().plus(wait).isAfter(deadline)) {
                restarts++;
                skips.clear();
                pacer.scheduler.schedule(() -> tryTarget(0), wait.isZero() ? Duration.ofMillis(1) : wait);
                return;
            }
        }
        if (lastOutcome == null && lastAdmissionError != null) {
            fail(lastAdmissionError);
            return;
        }
        fail(new CallFailed(failureMessage(), lastOutcome, attempts, skips, null, callId));
    }

    private String failureMessage() {
        StringBuilder sb = new StringBuilder("The call failed on every target after ").append(attempts)
                .append(attempts == 1 ? " attempt" : " attempts").append(": ");
        for (int i = 0; i < skips.size(); i++) {
            Skip s = skips.get(i);
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(s.target()).append(' ').append(s.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            if (s.outcome() != null) {
                sb.append(" (").append(s.outcome().describe()).append(')');
            }
        }
        return sb.append('.').toString();
    }

    private void fail(Throwable error) {
        if (!result.isDone()) {
            ended(null, error);
        }
        result.completeExceptionally(error);
    }

    /** The call's last event, once, before its future completes (so whoever joins it sees the event's effects). */
    private void ended(CallResult<T> done, Throwable failure) {
        if (!ENDED.compareAndSet(this, false, true)) {
            return;
        }
        Target target = done != null ? done.target() : lastTarget != null ? lastTarget : route.get(0);
        pacer.emit(new PacerEvent.CallEnded(pacer.clock.instant(), callId, attempts, target,
                done != null ? done.outcome() : lastOutcome, failure, Duration.ofNanos(pacer.clock.nanoTime() - startedNanos)));
    }

    private void cancelProbe(Target target, boolean probe) {
        if (probe) {
            pacer.breaker(target).cancelProbe();
        }
    }

    private static Throwable unwrap(Throwable error) {
        if (error == null) {
            return null;
        }
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
