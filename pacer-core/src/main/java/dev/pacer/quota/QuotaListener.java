package dev.pacer.quota;

import java.time.Duration;
import java.time.Instant;

/**
 * Observes admission decisions. Called after the decision, outside any lock; implementations
 * must be quick and must not throw (exceptions are swallowed).
 */
public interface QuotaListener {

    /** A listener that ignores everything. */
    QuotaListener NONE = new QuotaListener() {
    };

    /** A call could not be admitted at once and waits in line. */
    default void onQueued(QuotaKey key, Cost cost, Priority priority, int queueLength, Duration waitEstimate) {
    }

    /** A call was admitted after waiting {@code waited}. */
    default void onAdmitted(QuotaKey key, Cost cost, Duration waited) {
    }

    /** Admission on the key (or one dimension, or all when null) is paused until {@code until}. */
    default void onPaused(QuotaKey key, Dimension dimension, Instant until) {
    }

    /** A limit was learned or changed, from configuration or from the provider. */
    default void onLimitChanged(QuotaKey key, Dimension dimension, Limit limit) {
    }

    /** The local level of a dimension was corrected toward the provider's figure. */
    default void onCalibrated(QuotaKey key, Dimension dimension, double before, double after) {
    }
}
