package dev.pacer.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * The simulator's clock: from a start instant it runs {@code scale} times faster than the wall
 * clock, so a benchmark replays minutes of traffic in seconds. Everything the simulator says
 * about time — reset timestamps, {@code retry-after}, latencies, batch processing, fault
 * schedules — is on this clock; a client runs its own clock at the same rate from
 * {@link #now()} (or {@code GET /_sim/clock}). Immutable and thread-safe.
 */
public final class SimClock {

    private final Instant start;
    private final long startNanos;
    private final double scale;

    /** A clock starting now, {@code scale} times faster than real time. */
    public SimClock(double scale) {
        this(Instant.now(), scale);
    }

    /** A clock reading {@code start} now and running {@code scale} times faster than real time. */
    public SimClock(Instant start, double scale) {
        if (!(scale > 0) || scale > 10_000) {
            throw new IllegalArgumentException("time-scale must be more than 0 and at most 10000, not " + scale + ".");
        }
        this.start = start;
        this.startNanos = System.nanoTime();
        this.scale = scale;
    }

    /** Simulated seconds per wall-clock second. */
    public double scale() {
        return scale;
    }

    /** The simulated instant at which the clock started. */
    public Instant start() {
        return start;
    }

    /** Simulated seconds since the start. */
    public double seconds() {
        return (System.nanoTime() - startNanos) * scale / 1e9;
    }

    /** The simulated instant now. */
    public Instant now() {
        return at(seconds());
    }

    /** The simulated instant {@code seconds} after the start. */
    public Instant at(double seconds) {
        return start.plusNanos((long) (seconds * 1e9));
    }

    /** The wall-clock time that {@code simulatedSeconds} take. */
    public Duration wall(double simulatedSeconds) {
        return Duration.ofNanos((long) Math.ceil(Math.max(0, simulatedSeconds) * 1e9 / scale));
    }

    /** Sleeps for {@code simulatedSeconds} of simulated time (on a virtual thread this parks cheaply). */
    public void sleep(double simulatedSeconds) throws InterruptedException {
        Duration d = wall(simulatedSeconds);
        if (!d.isZero()) {
            Thread.sleep(d);
        }
    }

    /** Sleeps until simulated second {@code target}. */
    public void sleepUntil(double target) throws InterruptedException {
        sleep(target - seconds());
    }
}
