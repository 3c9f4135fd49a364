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
 * <p>{@link #ownLevels()} is this instance's part of the provider's bucket when Redis is back: the
 * local level (share mode), or the fleet share of what the admissions left (open mode); summed over
 * the fleet it is what the provider holds, and the rejoin script builds the shared level from it
 * (see {@code rejoin.lua}), so the return makes no burst.
 */
final class DegradedQuota {

    private final RedisUnavailableMode mode;
    private final QuotaState local;
    private final Map<String, double[]> limits;
    private final Map<String, LongAdder> admitted = new ConcurrentHashMap<>();
    private final Duration lookAgain;
    private final int fleet;

    /**
     * @param known the shared limits and levels last read: name -> {capacity, refill per second, level}
     * @param fleet the fleet size last read (at least 1)
     */
    DegradedQuota(RedisUnavailableMode mode, QuotaKey key, QuotaModel model, PacerClock clock, Map<String, double[]> known,
                  int fleet, Duration lookAgain) {
        this.mode = mode;
        this.limits = Map.copyOf(known);
        this.lookAgain = lookAgain;
        this.fleet = Math.max(1, fleet);
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

    /** This instance's part of the provider's bucket now, per dimension name (see the class comment); empty when closed. */
    Map<String, Double> ownLevels() {
        Map<String, Double> out = new HashMap<>();
        if (mode == RedisUnavailableMode.LOCAL_SHARE) {
            for (Map.Entry<Dimension, QuotaView.DimensionView> e : local.view().dimensions().entrySet()) {
                out.put(e.getKey().name(), e.getValue().level());
            }
        } else if (mode == RedisUnavailableMode.FAIL_OPEN) {
            limits.forEach((name, limit) -> {
                LongAdder sum = admitted.get(name);
                double spent = sum == null ? 0 : sum.sum();
                out.put(name, Math.max(0, limit[0] - spent) / fleet);
            });
        }
        return out;
    }

    /** The state's view while degraded (null outside share mode). */
    QuotaState.View view() {
        return local == null ? null : local.view();
    }
}
