package dev.pacer.time;

import java.time.Duration;
import java.time.Instant;

/**
 * A clock and scheduler running {@code scale} times faster than real time from a start instant,
 * to pace against a time-scaled simulator (whose headers and {@code retry-after} are in its own,
 * faster time). With scale 1 it is the system clock.
 */
public final class ScaledClock implements PacerClock, PacerScheduler {

    private final Instant start;
    private final long startNanos;
    private final double scale;
    private final PacerScheduler real;

    /** Runs {@code scale} times faster than real time, reading {@code start} now. */
    public ScaledClock(Instant start, double scale) {
        if (!(scale > 0)) {
            throw new IllegalArgumentException("A clock scale must be positive, not " + scale + ".");
        }
        this.start = start;
        this.startNanos = System.nanoTime();
        this.scale = scale;
        this.real = PacerScheduler.system();
    }

    /** How many times faster than real time. */
    public double scale() {
        return scale;
    }

    @Override
    public long nanoTime() {
        return (long) ((System.nanoTime() - startNanos) * scale);
    }

    @Override
    public Instant instant() {
        return start.plusNanos(nanoTime());
    }

    @Override
    public ScheduledTask schedule(Runnable task, Duration delay) {
        return real.schedule(task, Duration.ofNanos((long) (Math.max(0, delay.toNanos()) / scale)));
    }

    /** A real duration expressed in this clock's time. */
    public Duration scaled(Duration real) {
        return Duration.ofNanos((long) (real.toNanos() * scale));
    }
}
