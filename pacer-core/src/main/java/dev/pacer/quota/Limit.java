package dev.pacer.quota;

import java.time.Duration;

/**
 * A continuously refilling token bucket: holds at most {@code capacity}, refills at
 * {@code refillPerSecond}. Anthropic's per-minute limits are buckets of capacity N refilling at
 * N/60 per second; a provider that enforces "60 per minute" as "1 per second" is a bucket with a
 * smaller capacity and the same rate ({@link #of(long, long, Duration)}).
 *
 * @param capacity        the most the bucket holds (the largest burst), at least 1
 * @param refillPerSecond how fast it refills, more than 0
 */
public record Limit(long capacity, double refillPerSecond) {

    public Limit {
        if (capacity < 1) {
            throw new IllegalArgumentException("Limit capacity must be at least 1, not " + capacity + ".");
        }
        if (!(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
            throw new IllegalArgumentException("Limit refillPerSecond must be a positive number, not " + refillPerSecond + ".");
        }
    }

    /** {@code amount} per minute, with a burst of the whole minute's amount. */
    public static Limit perMinute(long amount) {
        if (amount < 1) {
            throw new IllegalArgumentException("A per-minute limit must be at least 1, not " + amount + ".");
        }
        return new Limit(amount, amount / 60.0);
    }

    /** {@code amount} per {@code period}, with a burst of at most {@code capacity}. */
    public static Limit of(long capacity, long amount, Duration period) {
        if (amount < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("A limit needs a positive amount and period, not " + amount + " per " + period + ".");
        }
        return new Limit(capacity, amount / (period.toNanos() / 1e9));
    }

    /** The same rate with the capacity scaled by {@code ratio} (at least 1). */
    public Limit withBurstRatio(double ratio) {
        if (!(ratio > 0) || ratio > 1) {
            throw new IllegalArgumentException("A burst ratio must be in (0, 1], not " + ratio + ".");
        }
        return new Limit(Math.max(1, Math.round(capacity * ratio)), refillPerSecond);
    }

    /** The amount per minute this limit refills. */
    public double perMinuteRate() {
        return refillPerSecond * 60;
    }
}
