package dev.pacer.quota;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The provider's own view of a quota key's buckets, as reported on a response (Anthropic's
 * {@code anthropic-ratelimit-*} headers), in provider-neutral terms.
 *
 * @param observedAt when the response carrying it was received, on the caller's clock
 * @param entries    per dimension what the provider said
 */
public record RateLimitSnapshot(Instant observedAt, Map<Dimension, Entry> entries) {

    public RateLimitSnapshot {
        Objects.requireNonNull(observedAt, "observedAt");
        entries = Map.copyOf(entries);
    }

    /**
     * One dimension of the snapshot.
     *
     * @param limit              the limit per minute in force, or -1 when not reported
     * @param remaining          what is left, or -1 when not reported
     * @param reset              when the bucket is fully replenished, or null
     * @param remainingPrecision the provider's rounding of {@code remaining} (Anthropic: 1,000 for
     *                           tokens, 1 for requests); differences smaller than this are noise
     */
    public record Entry(long limit, long remaining, Instant reset, long remainingPrecision) {
        public Entry {
            if (remainingPrecision < 1) {
                remainingPrecision = 1;
            }
        }
    }

    /** The entry for {@code dimension}, or null. */
    public Entry entry(Dimension dimension) {
        return entries.get(dimension);
    }

    /** True when no dimension was reported. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
