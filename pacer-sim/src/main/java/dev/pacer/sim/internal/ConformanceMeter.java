package dev.pacer.sim.internal;

/**
 * Proves, online and in constant space, that a stream of charges never exceeded a token bucket of
 * capacity {@code C} refilled at rate {@code r}: it keeps the largest
 * {@code A[t1, t2] − (C + r·(t2 − t1))} over every window {@code [t1, t2]} (of any length), where
 * {@code A} is the amount charged at instants in the window. Zero means conforming.
 *
 * <p>Algorithm: with prefix sums {@code S}, the excess of the window from charge i to charge j is
 * {@code (S_j − r·t_j) − (S_{i−1} − r·t_i) − C}; keeping the minimum of the second term over the
 * charges seen so far gives the best window ending at each charge in O(1).
 *
 * <p>Invariants: charges arrive in non-decreasing time (callers record under their bucket's lock,
 * reading the clock inside it); amounts may be negative (refunds). A change of limits starts a new
 * segment, so windows never straddle two different allowances. Not thread-safe.
 */
final class ConformanceMeter {

    private double capacity;
    private double rate;
    private double prefix;
    private double minStart = Double.POSITIVE_INFINITY;
    private double worst;

    ConformanceMeter(double capacity, double ratePerSecond) {
        this.capacity = capacity;
        this.rate = ratePerSecond;
    }

    void record(double at, double amount) {
        minStart = Math.min(minStart, prefix - rate * at);
        prefix += amount;
        worst = Math.max(worst, prefix - rate * at - minStart - capacity);
    }

    /** New limits from now on; what was seen so far stays in {@link #overadmission()}. */
    void rebase(double newCapacity, double newRatePerSecond) {
        capacity = newCapacity;
        rate = newRatePerSecond;
        prefix = 0;
        minStart = Double.POSITIVE_INFINITY;
    }

    /** The largest excess over the allowance of any window, 0 when the bucket was never overdrawn. */
    double overadmission() {
        // Sub-token excesses are floating-point noise of the continuous refill, not over-admission.
        return worst < 1e-6 ? 0 : worst;
    }
}
