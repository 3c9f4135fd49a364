package dev.pacer.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * The simulator's clock: it runs {@code scale} times faster than the wall clock from a start
 * instant, so a benchmark can replay minutes of traffic in seconds. Everything the simulator says
 * about time — reset timestamps, {@code retry-after}, latencies, batch processing, fault
 * schedules — is on this clock. Thread-safe (immutable).
 */
public final class SimClock {

    private final Instant start;
    private final long startNanos;
    private final double scale;

    /** A clock starting now, running {@code scale} times faster than real time. */
    public SimClock(double scale) {
        this(Instant.now(), scale);
    }

    /** A clock starting at {@code start}. */
    public SimClock(Instant start, double scale) {
        if (!(scale > 0) || scale > 10_000) {
            throw new IllegalArgumentException("time-scale must be between 0 (exclusive) and 10000, not " + scale + ".");
        }
        this.start = start;
        this.startNanos = System.nanoTime();
        this.scale = scale;
    }

    /** How many times faster than real time. */
    public double scale() {
        return scale;
    }

    /** When simulated time started. */
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

    /** The real duration of {@code simulated}. */
    public Duration real(Duration simulated) {
        return Duration.ofNanos((long) (simulated.toNanos() / scale));
    }

    /** Sleeps for {@code simulatedSeconds} of simulated time (on a virtual thread this parks cheaply). */
    public void sleep(double simulatedSeconds) throws InterruptedException {
        long nanos = (long) (simulatedSeconds * 1e9 / scale);
        if (nanos > 0) {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    }
}
