package dev.pacer.quota;

import java.time.Instant;
import java.util.Map;

/**
 * A consistent picture of one quota key at one instant, for progress displays, metrics and tests.
 *
 * @param key              the key
 * @param dimensions       the limited dimensions
 * @param inFlight         admitted calls not yet settled or released
 * @param concurrencyLimit the current concurrency limit ({@link Integer#MAX_VALUE} when none)
 * @param queued           calls waiting for admission
 * @param pausedUntil      when a whole-key pause ends, or null
 * @param queuedByPriority calls waiting for admission, by priority class (every class present; they sum to {@code queued})
 */
public record QuotaView(QuotaKey key, Map<Dimension, DimensionView> dimensions, int inFlight, int concurrencyLimit,
                        int queued, Instant pausedUntil, Map<Priority, Integer> queuedByPriority) {

    /**
     * One dimension.
     *
     * @param limit       the bucket
     * @param level       what is available now; negative when settlements ran into debt
     * @param reserved    what admitted calls still hold
     * @param pausedUntil when a pause of this dimension ends, or null
     */
    public record DimensionView(Limit limit, double level, long reserved, Instant pausedUntil) {
    }

    /** The view of {@code dimension}, or null when it is not limited. */
    public DimensionView dimension(Dimension dimension) {
        return dimensions.get(dimension);
    }
}
