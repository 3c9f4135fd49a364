package dev.pacer.internal;

import dev.pacer.time.PacerClock;
import java.time.Duration;

/**
 * Caps retries at a share of recent first attempts, so that a failing provider sees at most
 * (1 + ratio) times the normal load plus a small floor — never a retry storm (after Finagle's
 * RetryBudget and gRPC retry throttling).
 *
 * <p>Deposits (first attempts) and withdrawals (retries) are counted in slices over a sliding
 * {@code ttl}; a retry is allowed while {@code retries + 1 <= ratio * firsts + floor * ttl}.
 * Thread-safe.
 */
public final class RetryBudget {

    private static final int SLICES = 10;

    private final PacerClock clock;
    private final double ratio;
    private final double reserve;
    private final long sliceNanos;
    private final long[] deposits = new long[SLICES];
    private final long[] withdrawals = new long[SLICES];
    private long currentSlice;

    private RetryBudget(PacerClock clock, double ratio, double minRetriesPerSecond, Duration ttl) {
        this.clock = clock;
        this.ratio = ratio;
        this.reserve = minRetriesPerSecond * ttl.toNanos() / 1e9;
        this.sliceNanos = Math.max(1, ttl.toNanos() / SLICES);
        this.currentSlice = Math.floorDiv(clock.nanoTime(), sliceNanos);
    }

    /**
     * A budget.
     *
     * @param ratio               retries allowed per first attempt, in [0, 10] (e.g. 0.2)
     * @param minRetriesPerSecond a floor so that low traffic can still retry, in [0, 1000]
     * @param ttl                 the window, 1 s to 10 min
     */
    public static RetryBudget of(PacerClock clock, double ratio, double minRetriesPerSecond, Duration ttl) {
        if (!(ratio >= 0 && ratio <= 10)) {
            throw new IllegalArgumentException("Retry budget ratio must be in [0, 10], not " + ratio + ".");
        }
        if (!(minRetriesPerSecond >= 0 && minRetriesPerSecond <= 1000)) {
            throw new IllegalArgumentException("Retry budget minRetriesPerSecond must be in [0, 1000], not " + minRetriesPerSecond + ".");
        }
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("Retry budget ttl must be between 1 s and 10 min, not " + ttl + ".");
        }
        return new RetryBudget(clock, ratio, minRetriesPerSecond, ttl);
    }

    /** 20% of first attempts over 10 s, plus 1 retry per second. */
    public static RetryBudget defaults(PacerClock clock) {
        return of(clock, 0.2, 1, Duration.ofSeconds(10));
    }

    /** An unlimited budget. */
    public static RetryBudget unlimited(PacerClock clock) {
        return of(clock, 10, 1000, Duration.ofMinutes(10));
    }

    /** Records a first attempt. */
    public synchronized void recordFirstAttempt() {
        advance();
        deposits[(int) Math.floorMod(currentSlice, SLICES)]++;
    }

    /**
     * Records a retry the budget was not asked about: a caller's own retry of a call (it was sent
     * again whatever the budget says), which leaves less for the engine's own retries.
     */
    public synchronized void recordRetry() {
        advance();
        withdrawals[(int) Math.floorMod(currentSlice, SLICES)]++;
    }

    /** Takes one retry from the budget if it allows one. */
    public synchronized boolean tryRetry() {
        advance();
        long firsts = 0;
        long retries = 0;
        for (int i = 0; i < SLICES; i++) {
            firsts += deposits[i];
            retries += withdrawals[i];
        }
        if (retries + 1 > ratio * firsts + reserve) {
            return false;
        }
        withdrawals[(int) Math.floorMod(currentSlice, SLICES)]++;
        return true;
    }

    private void advance() {
        long slice = Math.floorDiv(clock.nanoTime(), sliceNanos);
        if (slice <= currentSlice) {
            return;
        }
        long steps = Math.min(SLICES, slice - currentSlice);
        for (long s = 1; s <= steps; s++) {
            int i = (int) Math.floorMod(currentSlice + s, SLICES);
            deposits[i] = 0;
            withdrawals[i] = 0;
        }
        currentSlice = slice;
    }
}
