package dev.pacer.redis.internal;

import dev.pacer.internal.InMemoryQuotaStore;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.redis.RedisUnavailableMode;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.PacerClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One quota while Redis does not answer, in one of the {@link RedisUnavailableMode}s.
 *
 * <p>{@code LOCAL_SHARE}: an in-memory state whose limits are the shared ones divided by the fleet
 * size last read from the heartbeats, starting at that share of the last level read (never full:
 * the moment Redis fails is no reason for a burst). {@code FAIL_OPEN} admits everything and counts
 * it; {@code FAIL_CLOSED} admits nothing and asks to look again after a heartbeat interval.
 *
 * <p>{@link #charges()} is what this instance spent on its own, to be charged to the shared levels
 * when Redis is back: the local bucket's used part (share mode), or what was admitted (open mode),
 * at most a capacity per dimension. Summed over the fleet it is what the provider's bucket lost
 * meanwhile, so the shared bucket, refilled while nobody wrote to it, makes no burst on the return.
 */
final class DegradedQuota {

    private final RedisUnavailableMode mode;
    private final QuotaState local;
    private final Map<String, double[]> limits;
    private final Map<String, LongAdder> admitted = new ConcurrentHashMap<>();
    private final Duration lookAgain;

    /**
     * @param known the shared limits and levels last read: name -> {capacity, refill per second, level}
     * @param fleet the fleet size last read (at least 1)
     */
    DegradedQuota(RedisUnavailableMode mode, QuotaKey key, QuotaModel model, PacerClock clock, Map<String, double[]> known,
                  int fleet, Duration lookAgain) {
        this.mode = mode;
        this.limits = Map.copyOf(known);
        this.lookAgain = lookAgain;
        if (mode != RedisUnavailableMode.LOCAL_SHARE) {
            this.local = null;
            return;
        }
        this.local = new InMemoryQuotaStore(clock, 1.0).open(key, model, QuotaListener.NONE);
        int n = Math.max(1, fleet);
        Map<Dimension, RateLimitSnapshot.Entry> start = new HashMap<>();
        known.forEach((name, v) -> {
            Dimension d = Dimension.of(name);
            local.setLimit(d, new Limit(Math.max(1, Math.round(v[0] / n)), v[1] / n));
            start.put(d, new RateLimitSnapshot.Entry(-1, (long) Math.floor(Math.max(0, v[2]) / n), null, 1));
        });
        if (!start.isEmpty()) {
            local.calibrate(new RateLimitSnapshot(clock.instant(), start), null);
        }
    }

    ReserveResult reserve(Cost cost, long callId, int attempt) {
        return switch (mode) {
            case LOCAL_SHARE -> {
                ReserveResult r = local.reserve(cost, callId, attempt);
                yield r instanceof Reservation inner ? new LocalReservation(this, inner, cost) : r;
            }
            case FAIL_OPEN -> {
                for (int d = 0; d < cost.width(); d++) {
                    if (cost.at(d) != 0) {
                        admitted.computeIfAbsent(Dimension.byIndex(d).name(), k -> new LongAdder()).add(cost.at(d));
                    }
                }
                yield new LocalReservation(this, null, cost);
            }
            case FAIL_CLOSED -> Refusal.waitFor(null, lookAgain.toNanos());
        };
    }

    Refusal estimate(Cost cost, Cost ahead) {
        return switch (mode) {
            case LOCAL_SHARE -> local.estimate(cost, ahead);
            case FAIL_OPEN -> null;
            case FAIL_CLOSED -> Refusal.waitFor(null, lookAgain.toNanos());
        };
    }

    void settle(LocalReservation r, Cost actual, RateLimitSnapshot snapshot) {
        if (r.inner != null) {
            local.settle(r.inner, actual, null); // the provider's figures are the fleet's, not this share's
        }
    }

    void sent(LocalReservation r) {
        if (r.inner != null) {
            local.sent(r.inner);
        }
    }

    void pause(Dimension dimension, Instant until, long callId, int attempt) {
        if (local != null) {
            local.pause(dimension, until, callId, attempt);
        }
    }

    void rateLimited(long callId, int attempt) {
        if (local != null) {
            local.rateLimited(callId, attempt);
        }
    }

    /** What this instance spent alone, per dimension name (see the class comment). */
    Map<String, Long> charges() {
        Map<String, Long> out = new HashMap<>();
        if (mode == RedisUnavailableMode.LOCAL_SHARE) {
            for (Map.Entry<Dimension, QuotaView.DimensionView> e : local.view().dimensions().entrySet()) {
                QuotaView.DimensionView v = e.getValue();
                out.put(e.getKey().name(), (long) Math.ceil(Math.max(0, v.limit().capacity() - v.level())));
            }
        } else if (mode == RedisUnavailableMode.FAIL_OPEN) {
            admitted.forEach((name, sum) -> {
                double[] limit = limits.get(name);
                long spent = sum.sum();
                out.put(name, limit == null ? spent : Math.min(spent, (long) limit[0]));
            });
        }
        return out;
    }

    /** The state's view while degraded (null outside share mode). */
    QuotaState.View view() {
        return local == null ? null : local.view();
    }
}
