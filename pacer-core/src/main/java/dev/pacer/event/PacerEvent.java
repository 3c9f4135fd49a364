package dev.pacer.event;

import dev.pacer.breaker.BreakerState;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.time.Duration;
import java.time.Instant;

/**
 * A decision of the engine. Every event says when it happened ({@link #at()}) and which call and
 * attempt it belongs to: {@link #callId()} numbers the calls of one {@code Pacer} from 1 (0 for an
 * event no call caused, such as a limit set by hand), {@link #attempt()} counts the call's attempts
 * from 1 over the whole call (0 before its first, or for no call). An event about admission carries
 * the number of the attempt it admits.
 */
public sealed interface PacerEvent {

    /** When, on the engine's clock. */
    Instant at();

    /** The call it belongs to, from 1; 0 when no call caused it. */
    long callId();

    /** The attempt it belongs to, from 1 over the whole call; 0 when none. */
    int attempt();

    /** A call could not be admitted at once and waits for quota or a concurrency slot. */
    record Queued(Instant at, long callId, int attempt, QuotaKey key, Cost cost, Priority priority, int queueLength,
                  Duration waitEstimate) implements PacerEvent {
    }

    /** A call of class {@code priority} was admitted after waiting {@code waited} (zero when it went straight through). */
    record Admitted(Instant at, long callId, int attempt, QuotaKey key, Cost cost, Priority priority, Duration waited)
            implements PacerEvent {
    }

    /** An attempt is being sent. */
    record AttemptStarted(Instant at, long callId, int attempt, Target target) implements PacerEvent {
    }

    /**
     * An admitted attempt declined to send (the {@code Attempt} said why): nothing was sent, its
     * reservation was given back and the call ends with {@code dev.pacer.AttemptDeclined}.
     */
    record AttemptDeclined(Instant at, long callId, int attempt, Target target, String reason) implements PacerEvent {
    }

    /** An attempt ended. */
    record AttemptFinished(Instant at, long callId, int attempt, Target target, Outcome outcome, Duration latency)
            implements PacerEvent {
    }

    /**
     * A retry on the same target is scheduled after {@code delay}; {@code attempt} is the one that failed,
     * {@code family} how it failed (a bounded name, for metrics) and {@code reason} its description. A caller's
     * own retry of an earlier call ({@code CallSpec.clientRetries}) is one too, at its first attempt: attempt 0,
     * no delay, reason {@code client_retry}, family null.
     */
    record RetryScheduled(Instant at, long callId, int attempt, Target target, Duration delay, String reason,
                          OutcomeFamily family) implements PacerEvent {
    }

    /** The call moved from one target to the next ({@code to} is null when none was left). */
    record FallbackTaken(Instant at, long callId, int attempt, Target from, Target to, SkipReason reason)
            implements PacerEvent {
    }

    /** A committed stream broke off after its first event (it is not retried; its target's breaker hears it). */
    record StreamInterrupted(Instant at, long callId, int attempt, Target target, Outcome outcome) implements PacerEvent {
    }

    /** A target's circuit breaker changed state, on the outcome of this call's attempt (or a probe's cancellation). */
    record BreakerStateChanged(Instant at, long callId, int attempt, Target target, BreakerState from, BreakerState to)
            implements PacerEvent {
    }

    /** The retry budget refused a retry. */
    record RetryBudgetExhausted(Instant at, long callId, int attempt, Target target) implements PacerEvent {
    }

    /** Admission on a key (or one dimension; null = all) is paused until {@code until}. */
    record QuotaPaused(Instant at, long callId, int attempt, QuotaKey key, Dimension dimension, Instant until)
            implements PacerEvent {
    }

    /** A limit was set or learned from the provider (from this call's answer, when it has a call id). */
    record LimitChanged(Instant at, long callId, int attempt, QuotaKey key, Dimension dimension, Limit limit)
            implements PacerEvent {
    }

    /** The local level of a dimension was corrected toward the provider's figure. */
    record Calibrated(Instant at, long callId, int attempt, QuotaKey key, Dimension dimension, double before, double after)
            implements PacerEvent {
    }

    /**
     * The share of the key's quota this process assumes it gets changed: cut when a 429 or the first
     * answer shows others on the key, grown back when answers show room or while calls wait and none
     * is out ({@code reason} says which).
     */
    record ShareChanged(Instant at, long callId, int attempt, QuotaKey key, double before, double after, String reason)
            implements PacerEvent {
    }

    /**
     * A call ended: the last event of every call. {@code target} is the target that answered, or the last
     * one tried; {@code outcome} the last attempt's (null when no attempt ended); {@code failure} null on
     * success, else what the call failed with ({@code CallFailed}, {@code QuotaWaitExceeded},
     * {@code CapacityExceeded}, {@code AttemptDeclined}, a {@code CancellationException}...);
     * {@code elapsed} the time from {@code execute} to the end, on the engine's clock. A stream's call ends
     * when its stream is committed (its {@link Settled} follows when the stream does).
     */
    record CallEnded(Instant at, long callId, int attempt, Target target, Outcome outcome, Throwable failure,
                     Duration elapsed) implements PacerEvent {

        /** True when the call succeeded. */
        public boolean succeeded() {
            return failure == null;
        }
    }

    /** A finished call's reservation was settled: what was estimated and what it cost. */
    record Settled(Instant at, long callId, int attempt, Target target, Cost estimate, Cost actual) implements PacerEvent {
    }
}
