package dev.pacer.quota;

import java.time.Duration;
import java.time.Instant;

/**
 * Observes admission decisions. Called after the decision, outside any lock; implementations
 * must be quick and must not throw (exceptions are swallowed). {@code callId} and {@code attempt}
 * name the call and attempt the decision belongs to (see {@link Quotas#acquire(QuotaKey, Cost,
 * Priority, Instant, java.util.function.Supplier, long, int)}); both are 0 when none does.
 */
public interface QuotaListener {

    /** A listener that ignores everything. */
    QuotaListener NONE = new QuotaListener() {
    };

    /** A call could not be admitted at once and waits in line. */
    default void onQueued(long callId, int attempt, QuotaKey key, Cost cost, Priority priority, int queueLength,
                          Duration waitEstimate) {
    }

    /** A call was admitted after waiting {@code waited}. */
    default void onAdmitted(long callId, int attempt, QuotaKey key, Cost cost, Duration waited) {
    }

    /**
     * A call of class {@code priority} was admitted after waiting {@code waited}: what the engine calls.
     * By default it calls {@link #onAdmitted(long, int, QuotaKey, Cost, Duration)}, so a listener written
     * before the priority was passed keeps hearing every admission.
     */
    default void onAdmitted(long callId, int attempt, QuotaKey key, Cost cost, Priority priority, Duration waited) {
        onAdmitted(callId, attempt, key, cost, waited);
    }

    /** Admission on the key (or one dimension, or all when null) is paused until {@code until}. */
    default void onPaused(long callId, int attempt, QuotaKey key, Dimension dimension, Instant until) {
    }

    /** A limit was learned or changed, from configuration or from the provider. */
    default void onLimitChanged(long callId, int attempt, QuotaKey key, Dimension dimension, Limit limit) {
    }

    /** The local level of a dimension was corrected toward the provider's figure. */
    default void onCalibrated(long callId, int attempt, QuotaKey key, Dimension dimension, double before, double after) {
    }

    /** The share of the key's quota this process assumes it gets changed (see {@code ShareChanged}). */
    default void onShareChanged(long callId, int attempt, QuotaKey key, double before, double after, String reason) {
    }
}
