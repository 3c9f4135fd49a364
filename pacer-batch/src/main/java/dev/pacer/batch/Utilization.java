package dev.pacer.batch;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import java.time.Duration;
import java.util.Map;

/**
 * How close one quota pool came to its physical limit: the shortest time the work it was charged
 * could have taken over the time it took. A pool's bucket starts full, so on each dimension that
 * shortest time is {@code (charged - bucket) / refill rate}; the most binding dimension decides.
 * The bucket is taken as the per-minute amount, as the API documents it, so a share above 100%
 * is not rounded away: it would mean the pool let through more than its stated limit.
 *
 * @param pool      the pool's model class, e.g. {@code sonnet-4}
 * @param share     that ratio (1.0 is the physical limit)
 * @param dimension the most binding dimension
 */
public record Utilization(String pool, double share, String dimension) {

    /**
     * The utilization of one pool, or null when it cannot be told: limits never known, no time
     * elapsed, or work small enough to fit in the first bucketful.
     */
    public static Utilization of(String pool, Map<Dimension, Limit> limits, long requests, long input, long output, Duration elapsed) {
        double seconds = elapsed.toNanos() / 1e9;
        double bound = 0;
        String binding = null;
        Object[][] dims = {{Dimension.REQUESTS, requests, "requests"},
            {Dimension.INPUT_TOKENS, input, "input tokens"}, {Dimension.OUTPUT_TOKENS, output, "output tokens"}};
        for (Object[] d : dims) {
            Limit limit = limits.get((Dimension) d[0]);
            if (limit == null) {
                continue;
            }
            double bucket = Math.max(limit.capacity(), limit.perMinuteRate());
            double need = ((long) d[1] - bucket) / limit.refillPerSecond();
            if (need > bound) {
                bound = need;
                binding = (String) d[2];
            }
        }
        return binding == null || seconds <= 0 ? null : new Utilization(pool, bound / seconds, binding);
    }
}
