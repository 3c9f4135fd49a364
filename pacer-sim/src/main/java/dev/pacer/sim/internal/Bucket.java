package dev.pacer.sim.internal;

import dev.pacer.sim.SimStats;

/**
 * One token bucket on simulated time — capacity {@code perMinute × burstRatio}, refilled
 * continuously at {@code perMinute / 60} per second — that also keeps the proof that it never let
 * more through than its limit ({@link ConformanceMeter}) and the largest amount in a window.
 *
 * <p>Invariants: {@code level + reserved <= capacity} after every refill (amounts held by requests
 * in flight in reserve mode stop the refill early, so a refund cannot overfill it); {@code level}
 * may go below zero only through {@link #charge} with debt allowed. Not thread-safe: its
 * {@link Pool} serialises every call, and every call passes the simulated time read under that lock.
 */
final class Bucket {

    final String dimension;
    private long perMinute;
    private double capacity;
    private double rate;
    private double level;
    private double reserved;
    private double updatedAt;
    private final ConformanceMeter conformance;
    private final WindowMax window;
    private final double windowSeconds;
    private long admitted;
    private long rateLimited;
    private double cutDemand;
    private long cuts;

    Bucket(String dimension, long perMinute, double burstRatio, double windowSeconds, double now) {
        this.dimension = dimension;
        this.perMinute = perMinute;
        this.capacity = Math.max(1, perMinute * burstRatio);
        this.rate = perMinute / 60.0;
        this.level = capacity;
        this.updatedAt = now;
        this.conformance = new ConformanceMeter(capacity, rate);
        this.window = new WindowMax(windowSeconds);
        this.windowSeconds = windowSeconds;
    }

    void refill(double now) {
        if (now > updatedAt) {
            double ceiling = capacity - reserved;
            if (level < ceiling) {
                level = Math.min(ceiling, level + (now - updatedAt) * rate);
            }
            updatedAt = now;
        }
    }

    boolean has(double amount) {
        return level >= amount;
    }

    /** Simulated seconds until the level reaches {@code amount}; until full when it never can. */
    double secondsUntil(double amount) {
        double target = Math.min(amount, capacity - reserved);
        return Math.max(0, (target - level) / rate);
    }

    double secondsUntilFull() {
        return Math.max(0, (capacity - reserved - level) / rate);
    }

    /** Takes {@code amount} (which may overdraw when the caller allows debt) and records it. */
    void charge(double now, long amount) {
        level -= amount;
        record(now, amount);
    }

    /** Takes {@code amount} and holds it aside until {@link #release}: it is not yet spent. */
    void reserve(long amount) {
        level -= amount;
        reserved += amount;
    }

    /** Ends a reservation of {@code held}, of which {@code spent} was really used (and is recorded now). */
    void release(double now, long held, long spent) {
        reserved -= held;
        level = Math.min(capacity - reserved, level + held - spent);
        record(now, spent);
    }

    /** Gives back an amount charged for work that never happened. */
    void refund(double now, long amount) {
        level = Math.min(capacity - reserved, level + amount);
        record(now, -amount);
    }

    /** A generation cut short: what it would still have produced counts toward the proof (demand). */
    void cut(double now, long demand) {
        cuts++;
        cutDemand += demand;
        conformance.record(now, demand);
        window.record(now, demand);
    }

    void rejected() {
        rateLimited++;
    }

    private void record(double now, long amount) {
        admitted += amount;
        conformance.record(now, amount);
        window.record(now, amount);
    }

    /** New limits from now on: the level is capped at the new capacity; the proof starts a new segment. */
    void limit(long newPerMinute, double burstRatio) {
        perMinute = newPerMinute;
        capacity = Math.max(1, newPerMinute * burstRatio);
        rate = newPerMinute / 60.0;
        level = Math.min(level, capacity - reserved);
        conformance.rebase(capacity, rate);
    }

    long perMinute() {
        return perMinute;
    }

    double capacity() {
        return capacity;
    }

    double rate() {
        return rate;
    }

    double level() {
        return level;
    }

    long rateLimited() {
        return rateLimited;
    }

    SimStats.Dimension snapshot() {
        return new SimStats.Dimension(perMinute, capacity, level, admitted, window.max(), capacity + rate * windowSeconds,
                conformance.overadmission(), rateLimited, cuts, (long) cutDemand);
    }
}
