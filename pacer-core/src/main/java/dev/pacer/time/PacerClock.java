package dev.pacer.time;

import java.time.Instant;

/**
 * The only source of time for pacing logic. Production code uses {@link #system()}; tests use
 * {@link VirtualTime}, so nothing in the engine ever sleeps or reads the wall clock directly.
 */
public interface PacerClock {

    /** Monotonic nanoseconds, for measuring elapsed time. Only differences are meaningful. */
    long nanoTime();

    /** Wall-clock time, for interpreting a provider's reset timestamps. */
    Instant instant();

    /** The system clock: {@link System#nanoTime()} and {@link Instant#now()}. */
    static PacerClock system() {
        return SystemClock.INSTANCE;
    }

    /**
     * Converts a wall-clock instant to this clock's monotonic scale, relative to now.
     * Used to turn "paused until 12:00:03Z" into a deadline on {@link #nanoTime()}.
     */
    default long toNanoTime(Instant instant) {
        long now = nanoTime();
        long deltaNanos;
        try {
            deltaNanos = java.time.Duration.between(instant(), instant).toNanos();
        } catch (ArithmeticException overflow) {
            deltaNanos = instant.isAfter(instant()) ? Long.MAX_VALUE / 4 : -(Long.MAX_VALUE / 4);
        }
        return now + Math.max(-(Long.MAX_VALUE / 4), Math.min(Long.MAX_VALUE / 4, deltaNanos));
    }
}
