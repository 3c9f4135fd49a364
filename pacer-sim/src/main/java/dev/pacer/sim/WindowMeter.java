package dev.pacer.sim;

import java.util.Arrays;

/**
 * Records what a bucket charged and when, and proves (or disproves) that it never exceeded its
 * limit: the largest amount charged over any window of a given length, and the largest excess
 * over {@code capacity + rate x window} over all windows. Thread-safe.
 */
final class WindowMeter {

    private double[] times = new double[256];
    private long[] amounts = new long[256];
    private int size;
    private long total;

    synchronized void record(double at, long amount) {
        if (amount <= 0) {
            return;
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            amounts = Arrays.copyOf(amounts, size * 2);
        }
        times[size] = at;
        amounts[size] = amount;
        size++;
        total += amount;
    }

    synchronized long total() {
        return total;
    }

    synchronized void reset() {
        size = 0;
        total = 0;
    }

    /** The largest sum charged within any window of {@code seconds}. */
    synchronized long maxInWindow(double seconds) {
        int[] order = sortedOrder();
        long best = 0;
        long sum = 0;
        int from = 0;
        for (int to = 0; to < order.length; to++) {
            sum += amounts[order[to]];
            while (times[order[to]] - times[order[from]] > seconds) {
                sum -= amounts[order[from]];
                from++;
            }
            best = Math.max(best, sum);
        }
        return best;
    }

    /**
     * The largest {@code charged(window) - (capacity + rate x window)} over all windows whose ends
     * are charges, floored at 0: 0 proves the bucket was never overdrawn.
     */
    synchronized double maxOveradmission(double capacity, double ratePerSecond) {
        int[] order = sortedOrder();
        double worst = 0;
        // For windows [t_i, t_j]: S_j - S_{i-1} - rate (t_j - t_i) - capacity, maximised over i <= j
        // by keeping the minimum of S_{i-1} - rate t_i seen so far.
        double prefix = 0;
        double minStart = Double.POSITIVE_INFINITY;
        for (int k : order) {
            minStart = Math.min(minStart, prefix - ratePerSecond * times[k]);
            prefix += amounts[k];
            double excess = prefix - ratePerSecond * times[k] - minStart - capacity;
            worst = Math.max(worst, excess);
        }
        return worst < 1e-6 ? 0 : worst;
    }

    private int[] sortedOrder() {
        Integer[] idx = new Integer[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(times[a], times[b]));
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
