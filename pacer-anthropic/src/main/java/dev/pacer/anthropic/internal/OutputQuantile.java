package dev.pacer.anthropic.internal;

import java.util.Arrays;

/**
 * The output to reserve for one model class, as a share of {@code max_tokens} learned from settled
 * calls: when the provider counts only generated tokens, reserving {@code max_tokens} holds quota for
 * tokens that are never produced. Nothing seen (fewer than 5 calls): {@code max_tokens}. A few: the
 * largest share seen so far, plus a quarter. From 20: the quantile of the last 256 shares.
 * Thread-safe.
 */
public final class OutputQuantile {

    private static final int SAMPLES = 256;
    private static final int FIRST_SAMPLES = 5;
    private static final int MIN_SAMPLES = 20;

    private final double[] ratios = new double[SAMPLES];
    private int samples;

    /** Learns from a settled call of {@code maxTokens} that produced {@code actualOutput}. */
    public synchronized void learn(long actualOutput, long maxTokens) {
        if (maxTokens > 0) {
            ratios[samples % SAMPLES] = Math.max(0, Math.min(1, (double) actualOutput / maxTokens));
            samples++;
        }
    }

    /** The output tokens to reserve for a request of {@code maxTokens}, at the {@code quantile} of the shares seen. */
    public synchronized long output(long maxTokens, double quantile) {
        if (samples < FIRST_SAMPLES) {
            return maxTokens;
        }
        int n = Math.min(samples, SAMPLES);
        double q;
        if (samples < MIN_SAMPLES) {
            double largest = 0;
            for (int i = 0; i < n; i++) {
                largest = Math.max(largest, ratios[i]);
            }
            q = Math.min(1, largest * 1.25);
        } else {
            double[] sorted = Arrays.copyOf(ratios, n);
            Arrays.sort(sorted);
            q = sorted[Math.min(n - 1, (int) Math.ceil(quantile * n) - 1)];
        }
        return Math.max(1, Math.min(maxTokens, (long) Math.ceil(q * maxTokens)));
    }
}
