package dev.pacer.sim.internal;

import java.util.Arrays;

/**
 * The largest amount charged within any window of a fixed length (the statistic a benchmark
 * compares with {@code capacity + rate × window}). Keeps only the charges inside the current
 * window, in a ring buffer. Charges arrive in non-decreasing time. Not thread-safe.
 */
final class WindowMax {

    private final double window;
    private double[] times = new double[64];
    private double[] amounts = new double[64];
    private int head;
    private int size;
    private double sum;
    private double best;

    WindowMax(double windowSeconds) {
        this.window = windowSeconds;
    }

    void record(double at, double amount) {
        while (size > 0 && at - times[head] > window) {
            sum -= amounts[head];
            head = (head + 1) % times.length;
            size--;
        }
        if (size == times.length) {
            grow();
        }
        int tail = (head + size) % times.length;
        times[tail] = at;
        amounts[tail] = amount;
        size++;
        sum += amount;
        best = Math.max(best, sum);
    }

    double max() {
        return best;
    }

    private void grow() {
        double[] t = new double[times.length * 2];
        double[] a = new double[times.length * 2];
        for (int i = 0; i < size; i++) {
            t[i] = times[(head + i) % times.length];
            a[i] = amounts[(head + i) % times.length];
        }
        times = t;
        amounts = a;
        head = 0;
        Arrays.fill(times, size, times.length, 0);
    }
}
