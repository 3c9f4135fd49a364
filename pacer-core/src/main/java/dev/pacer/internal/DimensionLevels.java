package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaView;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The levels of one quota's buckets, one continuously refilling bucket per limited dimension, and
 * their pauses. Not thread-safe: {@link InMemoryQuotaState} guards it with its lock.
 *
 * <h2>Reservations occupy the bucket</h2>
 * Refill stops at {@code capacity - reserved} (what calls in flight hold), not at capacity. If it
 * went up to capacity while a call holds an over-estimate, the refund of that over-estimate at
 * settlement would be capped away at one moment and let a burst through at another: a provider
 * that only counts real usage would then see more than capacity + rate x window in some window
 * (a property test found exactly this). With the rule, every window admits at most
 * capacity + rate x window of real usage, whatever the estimates were. A dimension paced by the
 * speed of generation ({@link GenerationPacing}) is occupied instead by what its calls in flight may
 * still produce ({@link #occupy}), never more than they reserved.
 *
 * <h2>Debt</h2>
 * Settling may take a level below zero. Debt is the provider's: while its bucket is below zero it
 * admits nobody, so all of its refill pays the debt, and only the room above zero comes at this
 * process's share (see {@link ShareEstimator}).
 *
 * <h2>Invariants</h2>
 * For each limited dimension {@code level + occupied <= capacity} (occupied: the reservations, or
 * what is still generated; except transiently after a limit change lowers the capacity); {@code level}
 * only rises by refill and refunds.
 */
final class DimensionLevels {

    static final double NANOS_PER_SECOND = 1e9;
    static final long FAR_FUTURE = Long.MAX_VALUE / 4;

    private int width;
    private boolean[] limited;
    private Limit[] limits;
    private double[] level;
    private double[] ratePerNano;
    private long[] reserved;
    /** Per dimension: what occupies the bucket instead of {@code reserved} when paced by generation (NaN: reserved). */
    private double[] occupied;
    private long[] pausedUntil;
    private long pausedAllUntil = Long.MIN_VALUE;
    private long lastRefill;
    private boolean anyLimit;
    /** The limited dimensions' indices, in the order their limits became known, and every dimension's capacity: the refill's loop, kept short. */
    private int[] limitedDims = new int[0];
    private double[] capacity;

    DimensionLevels(long now) {
        int n = Math.max(3, Dimension.count());
        this.limited = new boolean[n];
        this.limits = new Limit[n];
        this.level = new double[n];
        this.ratePerNano = new double[n];
        this.reserved = new long[n];
        this.occupied = new double[n];
        Arrays.fill(occupied, Double.NaN);
        this.pausedUntil = new long[n];
        Arrays.fill(pausedUntil, Long.MIN_VALUE);
        this.capacity = new double[n];
        this.width = n;
        this.lastRefill = now;
    }

    /** The instant of the last refill: the model's last instant. */
    long lastRefill() {
        return lastRefill;
    }

    boolean anyLimit() {
        return anyLimit;
    }

    boolean isLimited(int d) {
        return d < width && limited[d];
    }

    Limit limit(int d) {
        return limits[d];
    }

    double level(int d) {
        return level[d];
    }

    void setLevel(int d, double value) {
        level[d] = value;
    }

    /**
     * Refills every limited dimension up to {@code capacity - reserved}, the part above zero at
     * {@code share} of the rate; returns false when no time passed.
     */
    boolean refill(long now, double share) {
        long elapsed = now - lastRefill;
        if (elapsed <= 0) {
            return false;
        }
        lastRefill = now;
        int[] dims = limitedDims;
        for (int d : dims) {
            double ceiling = capacity[d] - occupation(d);
            double l = level[d];
            if (l < ceiling) {
                double gain = ratePerNano[d] * elapsed;
                if (l >= 0) {
                    l += gain * share;
                } else {
                    l = gain <= -l ? l + gain : (gain + l) * share;
                }
                level[d] = l > ceiling ? ceiling : l;
            }
        }
        return true;
    }

    /** Whether a limited dimension is below zero. */
    boolean inDebt() {
        for (int d = 0; d < width; d++) {
            if (limited[d] && level[d] < 0) {
                return true;
            }
        }
        return false;
    }

    /** The first dimension whose capacity {@code cost} exceeds, or -1. */
    int exceededDimension(Cost cost) {
        int n = Math.min(cost.width(), width);
        for (int d = 0; d < n; d++) {
            if (limited[d] && cost.at(d) > limits[d].capacity()) {
                return d;
            }
        }
        return -1;
    }

    /** Whether every dimension can take {@code cost} now and no pause holds. */
    boolean canTake(Cost cost, long now) {
        if (pausedAllUntil > now) {
            return false;
        }
        int n = cost.width();
        ensureWidth(n);
        for (int d = 0; d < n; d++) {
            if (pausedUntil[d] > now || (limited[d] && level[d] < cost.at(d))) {
                return false;
            }
        }
        return true;
    }

    /** Takes {@code cost}: from the level where limited, into {@code reserved} everywhere. */
    void take(Cost cost) {
        int n = cost.width();
        ensureWidth(n);
        for (int d = 0; d < n; d++) {
            long amount = cost.at(d);
            if (amount != 0) {
                if (limited[d]) {
                    level[d] -= amount;
                }
                reserved[d] += amount;
            }
        }
    }

    /** Ends a reservation of {@code took} that cost {@code actual}: the difference goes back (or is taken) at once. */
    void giveBack(Cost took, Cost actual) {
        int n = Math.max(took.width(), actual.width());
        ensureWidth(n);
        for (int d = 0; d < n; d++) {
            long t = took.at(d);
            long diff = t - actual.at(d);
            reserved[d] -= t;
            if (limited[d] && diff != 0) {
                double l = level[d] + diff;
                double ceiling = capacity[d] - occupation(d);
                level[d] = l > ceiling ? Math.max(level[d], ceiling) : l;
            }
        }
    }

    /**
     * What occupies dimension {@code d}'s bucket from now on: {@code amount} instead of the reservations
     * (a dimension paced by generation: what the calls in flight may still produce, see
     * {@link GenerationPacing}); NaN goes back to the reservations.
     */
    void occupy(int d, double amount) {
        ensureWidth(d + 1);
        occupied[d] = amount;
    }

    private double occupation(int d) {
        double o = occupied[d];
        return o != o ? reserved[d] : Math.min(o, reserved[d]);
    }

    /** Whether dimension {@code d} (or the whole key) is paused at {@code now}. */
    boolean paused(int d, long now) {
        return pausedAllUntil > now || (d < width && pausedUntil[d] > now);
    }

    /** Dimension {@code d}'s refill per nanosecond at {@code share} of the rate (0 when not limited). */
    double ratePerNano(int d, double share) {
        return isLimited(d) ? ratePerNano[d] * (level[d] >= 0 ? share : 1) : 0;
    }

    /** Holds one dimension (or all when {@code d} is negative) until {@code untilNanos}. */
    void pause(int d, long untilNanos) {
        if (d < 0) {
            pausedAllUntil = Math.max(pausedAllUntil, untilNanos);
        } else {
            ensureWidth(d + 1);
            pausedUntil[d] = Math.max(pausedUntil[d], untilNanos);
        }
    }

    /**
     * How the head of a line waits for {@code cost}: by refill alone (a WAIT of that many nanos, the
     * end of a pause included), or for a settlement when calls in flight hold what it needs (HELD:
     * every settlement re-runs the line anyway).
     */
    dev.pacer.spi.Refusal headWait(Cost cost, long now, double share) {
        long worst = pausedAllUntil > now ? pausedAllUntil - now : 0;
        int worstDimension = -1;
        int n = cost.width();
        for (int d = 0; d < n; d++) {
            if (d < width && pausedUntil[d] > now && pausedUntil[d] - now > worst) {
                worst = pausedUntil[d] - now;
                worstDimension = d;
            }
            if (isLimited(d) && cost.at(d) > limits[d].capacity() - reserved[d]) {
                return worst > 0 ? dev.pacer.spi.Refusal.waitFor(dimension(worstDimension), worst)
                        : dev.pacer.spi.Refusal.held(Dimension.byIndex(d));
            }
            if (isLimited(d) && cost.at(d) > level[d]) {
                double nanos = nanosToReach(d, cost.at(d), share);
                long wait = nanos >= FAR_FUTURE ? FAR_FUTURE : (long) Math.ceil(nanos);
                if (wait > worst) {
                    worst = wait;
                    worstDimension = d;
                }
            }
        }
        return dev.pacer.spi.Refusal.waitFor(dimension(worstDimension), worst);
    }

    /** Nanoseconds until {@code total} fits by refill alone (pauses included), and the dimension that decides it. */
    dev.pacer.spi.Refusal waitFor(Cost total, long now, double share) {
        long worst = pausedAllUntil > now ? pausedAllUntil - now : 0;
        int worstDimension = -1;
        int n = Math.max(total.width(), width);
        for (int d = 0; d < n; d++) {
            if (d < width && pausedUntil[d] > now && pausedUntil[d] - now > worst) {
                worst = pausedUntil[d] - now;
                worstDimension = d;
            }
            long need = total.at(d);
            if (isLimited(d) && need > level[d]) {
                double nanos = nanosToReach(d, need, share);
                long wait = nanos >= FAR_FUTURE ? FAR_FUTURE : (long) Math.ceil(nanos);
                if (wait > worst) {
                    worst = wait;
                    worstDimension = d;
                }
            }
        }
        return worst == 0 ? null : dev.pacer.spi.Refusal.waitFor(dimension(worstDimension), worst);
    }

    private static Dimension dimension(int d) {
        return d < 0 ? null : Dimension.byIndex(d);
    }

    /** Nanoseconds of refill until dimension {@code d}'s level reaches {@code amount} (above it): see refill. */
    private double nanosToReach(int d, double amount, double share) {
        double l = level[d];
        double rate = ratePerNano[d];
        if (l >= 0) {
            return (amount - l) / (rate * share);
        }
        return amount <= 0 ? (amount - l) / rate : -l / rate + amount / (rate * share);
    }

    /** Sets a limit; returns whether the dimension was unknown until now. */
    boolean applyLimit(int d, Limit limit) {
        ensureWidth(d + 1);
        boolean wasUnknown = !limited[d];
        if (wasUnknown) {
            // Calls admitted while the limit was unknown still hold their share.
            level[d] = limit.capacity() - reserved[d];
        } else if (level[d] > limit.capacity()) {
            level[d] = limit.capacity();
        }
        if (!limited[d]) {
            limitedDims = Arrays.copyOf(limitedDims, limitedDims.length + 1);
            limitedDims[limitedDims.length - 1] = d;
        }
        limited[d] = true;
        anyLimit = true;
        limits[d] = limit;
        capacity[d] = limit.capacity();
        ratePerNano[d] = limit.refillPerSecond() / NANOS_PER_SECOND;
        return wasUnknown;
    }

    /** What is limited, with levels, reservations and pauses, at {@code now} ({@code wallNow} on the wall clock). */
    Map<Dimension, QuotaView.DimensionView> view(long now, Instant wallNow) {
        Map<Dimension, QuotaView.DimensionView> dims = new LinkedHashMap<>();
        for (int d = 0; d < width; d++) {
            if (limited[d]) {
                dims.put(Dimension.byIndex(d), new QuotaView.DimensionView(limits[d], level[d], reserved[d],
                        pausedUntil[d] > now ? wallNow.plusNanos(pausedUntil[d] - now) : null));
            }
        }
        return dims;
    }

    /** When a pause of the whole key ends, or null. */
    Instant pausedAllUntil(long now, Instant wallNow) {
        return pausedAllUntil > now ? wallNow.plusNanos(pausedAllUntil - now) : null;
    }

    private void ensureWidth(int n) {
        if (n <= width) {
            return;
        }
        limited = Arrays.copyOf(limited, n);
        limits = Arrays.copyOf(limits, n);
        level = Arrays.copyOf(level, n);
        ratePerNano = Arrays.copyOf(ratePerNano, n);
        capacity = Arrays.copyOf(capacity, n);
        reserved = Arrays.copyOf(reserved, n);
        double[] occ = Arrays.copyOf(occupied, n);
        Arrays.fill(occ, width, n, Double.NaN);
        occupied = occ;
        long[] paused = Arrays.copyOf(pausedUntil, n);
        Arrays.fill(paused, width, n, Long.MIN_VALUE);
        pausedUntil = paused;
        width = n;
    }
}
