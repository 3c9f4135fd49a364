package dev.pacer.sim;

/**
 * One continuously refilling token bucket on simulated time. Not thread-safe: guarded by its
 * {@link SimLimits.Pool}'s lock.
 */
final class SimBucket {

    final String dimension;
    long perMinute;
    double capacity;
    double ratePerSecond;
    double level;
    double updatedAt;
    /** Held by requests in flight (reserve mode): refill stops at capacity minus this. */
    double reserved;

    SimBucket(String dimension, long perMinute, double burstRatio, double now) {
        this.dimension = dimension;
        setLimit(perMinute, burstRatio);
        this.level = capacity;
        this.updatedAt = now;
    }

    void setLimit(long perMinute, double burstRatio) {
        this.perMinute = perMinute;
        double oldCapacity = capacity;
        this.capacity = Math.max(1, perMinute * burstRatio);
        this.ratePerSecond = perMinute / 60.0;
        if (oldCapacity > 0 && level > capacity) {
            level = capacity;
        }
    }

    void refill(double now) {
        if (now > updatedAt) {
            double ceiling = capacity - reserved;
            if (level < ceiling) {
                level = Math.min(ceiling, level + (now - updatedAt) * ratePerSecond);
            }
            updatedAt = now;
        }
    }

    /** Seconds until the level reaches {@code amount} (0 if it already has). */
    double secondsUntil(double amount) {
        return level >= amount ? 0 : (amount - level) / ratePerSecond;
    }

    /** Seconds until full. */
    double secondsUntilFull() {
        return Math.max(0, (capacity - level) / ratePerSecond);
    }
}
