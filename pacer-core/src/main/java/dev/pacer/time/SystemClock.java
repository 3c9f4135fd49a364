package dev.pacer.time;

import java.time.Instant;

/** The real clock. Kept in its own file: it is one of the two places that may read system time. */
final class SystemClock implements PacerClock {

    static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }

    @Override
    public String toString() {
        return "PacerClock.system()";
    }
}
