package dev.pacer.event;

import dev.pacer.breaker.BreakerState;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.time.Duration;
import java.time.Instant;

/** A decision of the engine. Every event says when it happened ({@link #at()}). */
public sealed interface PacerEvent {

    /** When, on the engine's clock. */
    Instant at();

    /** A call could not be admitted at once and waits for quota or a concurrency slot. */
    record Queued(Instant at, QuotaKey key, Cost cost, Priority priority, int queueLength, Duration waitEstimate)
            implements PacerEvent {
    }

    /** A call was admitted after waiting. */
    record Admitted(Instant at, QuotaKey key, Cost cost, Duration waited) implements PacerEvent {
    }

    /** An attempt was sent. {@code attempt} counts from 1 over the whole call. */
    record AttemptStarted(Instant at, Target target, int attempt) implements PacerEvent {
    }

    /** An attempt ended. */
    record AttemptFinished(Instant at, Target target, int attempt, Outcome outcome, Duration latency) implements PacerEvent {
    }

    /** A retry on the same target is scheduled after {@code delay}. */
    record RetryScheduled(Instant at, Target target, int nextAttempt, Duration delay, String reason) implements PacerEvent {
    }

    /** The call moved from one target to the next ({@code to} is null when none was left). */
    record FallbackTaken(Instant at, Target from, Target to, SkipReason reason) implements PacerEvent {
    }

    /** A committed stream broke off after its first event (it is not retried; its target's breaker hears it). */
    record StreamInterrupted(Instant at, Target target, Outcome outcome) implements PacerEvent {
    }

    /** A target's circuit breaker changed state. */
    record BreakerStateChanged(Instant at, Target target, BreakerState from, BreakerState to) implements PacerEvent {
    }

    /** The retry budget refused a retry. */
    record RetryBudgetExhausted(Instant at, Target target) implements PacerEvent {
    }

    /** Admission on a key (or one dimension; null = all) is paused until {@code until}. */
    record QuotaPaused(Instant at, QuotaKey key, Dimension dimension, Instant until) implements PacerEvent {
    }

    /** A limit was set or learned from the provider. */
    record LimitChanged(Instant at, QuotaKey key, Dimension dimension, Limit limit) implements PacerEvent {
    }

    /** The local level of a dimension was corrected toward the provider's figure. */
    record Calibrated(Instant at, QuotaKey key, Dimension dimension, double before, double after) implements PacerEvent {
    }

    /** A finished call's reservation was settled: what was estimated and what it cost. */
    record Settled(Instant at, Target target, Cost estimate, Cost actual) implements PacerEvent {
    }
}
