package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.spi.QuotaModel;
import java.util.Arrays;

/**
 * Admission by the speed of generation, for the dimensions a provider counts as the answer is
 * produced ({@link QuotaModel#generatedOverTime}). Not thread-safe: {@link InMemoryQuotaState} guards
 * it with its lock.
 *
 * <h2>Why</h2>
 * A reservation taken from the level at once treats a call's output as counted the moment it is
 * admitted. The provider counts it token by token while the answer streams out, and refills meanwhile:
 * on Tier 1 (8,000 output tokens a minute, 133 a second) an answer generated at 80 tokens a second
 * cannot even keep up with the refill. Taking the reservation at once let two calls of
 * {@code max_tokens} 4,096 hold the whole bucket for the half minute they took, while the provider's
 * bucket sat full and its refill was thrown away.
 *
 * <h2>The rule</h2>
 * Once the speed is known, a call still in flight can have produced at most {@code u x elapsed} of its
 * reservation ({@code u} the speed bound below), so what it may still take is
 * {@code rem = max(0, reserved - u x elapsed)}, and the provider holds at least
 * {@code R0 = level + sum(rem)} (the level has every reservation taken off). A new call of {@code c}
 * is admitted when, if every call in flight and the new one went on producing at {@code u} until its
 * reservation is used, the provider's bucket would never run dry:
 * {@code R0 + rate x t - sum(min(u x t, rem_j)) >= 0} for every {@code t >= 0}, and {@code R0 >= 1}
 * now (the provider admits while it has a token). The left side is piecewise linear in {@code t}, so
 * it is checked at {@code t = 0} and where each call would run out. Without a known speed the rule is
 * the old one ({@code level >= c}), which is its limit as {@code u} grows.
 *
 * <h2>The speed bound</h2>
 * Each settled call of at least {@value #MIN_SAMPLE} tokens in the dimension is a sample: its tokens
 * over the time from admission to settlement. That time includes queueing, time to the first token
 * and the trip back, so every sample is below the true speed; the bound is the fastest sample times
 * {@value #MARGIN}. A reservation smaller than what the call produces is not protected by this rule,
 * exactly as it is not by the old one: the estimate is the provider's job (a high quantile).
 *
 * <h2>Only for a key this process has alone</h2>
 * The rule reasons about the provider's whole bucket. Once others were seen on the key (its first
 * answer, or a 429; {@link ShareEstimator}), their calls drain it too and this process knows only its
 * share: the key goes back to the old rule for good (in the {@code fleet} benchmark, four instances
 * pacing by speed on one key met a 429 on more than half of their requests).
 *
 * <h2>The bucket's ceiling</h2>
 * The level refills up to {@code capacity - sum(rem)} instead of {@code capacity - reserved}, so that
 * {@code R0} never exceeds the capacity, as the provider's own level cannot ({@link DimensionLevels}).
 */
final class GenerationPacing {

    /** The bound is the fastest sample times this. */
    static final double MARGIN = 1.5;
    /** Samples smaller than this say more about latency than speed. */
    static final long MIN_SAMPLE = 256;

    private final QuotaModel model;
    /** Whether the model paces any dimension known when the key was opened (else learning is skipped: the hot path). */
    private final boolean enabled;
    /** Per dimension index: the fastest sample in units per nanosecond, 0 while none. */
    private double[] fastest = new double[Math.max(3, Dimension.count())];
    private boolean any;
    /** Scratch for the remainders of the calls in flight. */
    private double[] scratch = new double[16];

    GenerationPacing(QuotaModel model) {
        this.model = model;
        boolean any = false;
        for (int d = 0, n = Dimension.count(); d < n; d++) {
            any |= model.generatedOverTime(Dimension.byIndex(d));
        }
        this.enabled = any;
    }

    /** Whether some dimension is paced by speed (a speed was learned). */
    boolean active() {
        return any;
    }

    /** The speed bound of dimension {@code d} in units per nanosecond, 0 while unknown or not paced. */
    double bound(int d) {
        return d < fastest.length ? fastest[d] * MARGIN : 0;
    }

    /** Learns from a call that reserved at {@code admittedNanos} and ended at {@code now} costing {@code actual}. */
    void learn(Cost actual, long admittedNanos, long now) {
        long elapsed = now - admittedNanos;
        if (!enabled || elapsed <= 0) {
            return;
        }
        int n = actual.width();
        for (int d = 0; d < n; d++) {
            long amount = actual.at(d);
            if (amount >= MIN_SAMPLE && model.generatedOverTime(Dimension.byIndex(d))) {
                if (d >= fastest.length) {
                    fastest = Arrays.copyOf(fastest, d + 1);
                }
                fastest[d] = Math.max(fastest[d], (double) amount / elapsed);
                any = true;
            }
        }
    }

    /** What the calls in flight may still take in dimension {@code d} at {@code now} (the ceiling's occupation). */
    double remaining(int d, MemoryReservation inFlight, long now) {
        double u = bound(d);
        double sum = 0;
        for (MemoryReservation r = inFlight; r != null; r = r.next) {
            sum += remainder(r, d, u, now);
        }
        return sum;
    }

    /**
     * Whether dimension {@code d} can take {@code c} at {@code now + after} by the rule of the class
     * comment, its level then being {@code level} and its refill {@code ratePerNano}.
     */
    boolean fits(int d, double c, double level, double ratePerNano, MemoryReservation inFlight, long now, long after) {
        double u = bound(d);
        if (u <= 0) {
            return level >= c;
        }
        int k = 0;
        double held = 0;
        for (MemoryReservation r = inFlight; r != null; r = r.next) {
            double rem = remainder(r, d, u, now + after);
            if (rem > 0) {
                if (k == scratch.length) {
                    scratch = Arrays.copyOf(scratch, k * 2);
                }
                scratch[k++] = rem;
                held += rem;
            }
        }
        double r0 = level + held;
        if (r0 < 1) {
            return false;
        }
        if (k == scratch.length) {
            scratch = Arrays.copyOf(scratch, k * 2);
        }
        scratch[k++] = c;
        // R0 + rate t - sum(min(u t, rem_j)) at t = 0 is R0 >= 1; check where each call runs out.
        Arrays.sort(scratch, 0, k);
        double producedBefore = 0; // sum of the remainders of the calls already run out at this point
        for (int i = 0; i < k; i++) {
            double t = scratch[i] / u;
            double stillGoing = k - i - 1;
            double taken = producedBefore + scratch[i] + stillGoing * scratch[i];
            if (r0 + ratePerNano * t - taken < 0) {
                return false;
            }
            producedBefore += scratch[i];
        }
        return true;
    }

    private static double remainder(MemoryReservation r, int d, double u, long at) {
        long reserved = r.cost.at(d);
        if (reserved <= 0) {
            return 0;
        }
        double produced = u * Math.max(0, at - r.admittedNanos);
        return produced >= reserved ? 0 : reserved - produced;
    }
}
