package dev.pacer.retry;

/** How a backoff delay is randomized (see Marc Brooker, "Exponential Backoff And Jitter", AWS, 2015). */
public enum Jitter {
    /** {@code U(0, min(cap, base * 2^n))}: the least total work under contention; the default. */
    FULL,
    /** {@code min(cap, U(base, previous * 3))}: finishes a little sooner, does a little more work. */
    DECORRELATED
}
