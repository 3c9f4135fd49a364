package dev.pacer.internal;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaModel;
import java.time.Instant;

/**
 * Corrects a quota's levels from the provider's own view. Not thread-safe: {@link InMemoryQuotaState}
 * guards it with its lock.
 *
 * <h2>What the provider could not have counted</h2>
 * A snapshot says what was {@code remaining} when the provider answered. Requests this process
 * admitted that the provider could not have counted yet are pending: those sent after the request
 * whose response carried the snapshot, those not sent at all, and, for a dimension the
 * {@link QuotaModel} counts as generated (Anthropic's output tokens), every call still generating.
 * The provider-equivalent of the local level is therefore {@code remaining - pending}. A lower figure
 * is believed at once (over-admission costs 429s); a higher one only moves the level half-way (the
 * provider may simply not have counted something yet). Differences within the provider's rounding
 * are ignored, so its rounding cannot make the level oscillate. A provider at 0 may be in debt it
 * does not report: 0 is no reason to raise anything.
 *
 * <h2>Answers out of order</h2>
 * A call sent early may answer after calls sent later, and its figures are then older than theirs,
 * although read later: its {@code remaining} misses what the later calls used, and those of them
 * that have ended are no longer pending to account for it. A snapshot is therefore judged by the
 * send order of the call that carried it, and by when it was read when no call did.
 *
 * <h2>With others on the key</h2>
 * While the share is below 1, what is left at the provider is others' too: calibration aims at this
 * process's share of it, or every client would spend the same room at once. Debt is everybody's,
 * whole.
 */
final class Calibrator {

    /** Reports a change for a listener: the limit learned, or a level moved. */
    interface Changes {
        void limitChanged(Dimension dimension, Limit limit);

        void calibrated(Dimension dimension, double before, double after);
    }

    private final QuotaModel model;
    private final double learnedBurstRatio;
    private Instant lastSnapshotAt = Instant.MIN;
    /** The send order of the call whose answer carried the last snapshot applied (0: none or unknown). */
    private long lastSnapshotSeq;

    Calibrator(QuotaModel model, double learnedBurstRatio) {
        this.model = model;
        this.learnedBurstRatio = learnedBurstRatio;
    }

    /** Whether {@code snapshot} is newer than every one applied so far; if so, records it. */
    boolean isNewest(RateLimitSnapshot snapshot, MemoryReservation source) {
        if (snapshot.observedAt().isBefore(lastSnapshotAt)) {
            return false;
        }
        if (source != null && source.sentSeq != 0) {
            if (source.sentSeq < lastSnapshotSeq) {
                return false;
            }
            lastSnapshotSeq = source.sentSeq;
        }
        lastSnapshotAt = snapshot.observedAt();
        return true;
    }

    /**
     * Applies one dimension of a snapshot to {@code levels}.
     *
     * @param inFlight the head of the state's in-flight list
     * @param roomShown called when the provider shows room beyond what this process expects (not merely less debt)
     */
    void apply(Dimension dimension, RateLimitSnapshot.Entry entry, MemoryReservation source, MemoryReservation inFlight,
               DimensionLevels levels, double share, Runnable roomShown, Changes changes) {
        int d = dimension.index();
        boolean learnedNow = false;
        if (entry.limit() > 0) {
            Limit learned = model.limitOf(dimension, entry.limit());
            if (learnedBurstRatio < 1) {
                learned = learned.withBurstRatio(learnedBurstRatio);
            }
            if (!levels.isLimited(d) || levels.limit(d).capacity() != learned.capacity()
                    || Math.abs(levels.limit(d).refillPerSecond() - learned.refillPerSecond()) > 1e-9) {
                learnedNow = levels.applyLimit(d, learned);
                changes.limitChanged(dimension, learned);
            }
        }
        if (entry.remaining() < 0 || !levels.isLimited(d)) {
            return;
        }
        double left = Math.min(entry.remaining(), levels.limit(d).capacity());
        double ours = pending(d, source, inFlight, model.countedAsGenerated(dimension));
        double target = (left > 0 ? left * share : left) - ours;
        double before = levels.level(d);
        double diff = target - before;
        double precision = entry.remainingPrecision();
        // A higher figure must hold even if the calls sent just before the one that carried it arrived after it
        // (concurrent sends race on the wire): raising on it alone let a burst spend the same room twice.
        double raise = (left > 0 ? left * share : left) - ours - racing(d, source, inFlight, model.countedAsGenerated(dimension));
        double upward = raise - before;
        if (learnedNow || diff < -precision) {
            levels.setLevel(d, target);
        } else if (upward > precision && left > 0) {
            levels.setLevel(d, Math.min(levels.limit(d).capacity(), before + upward / 2));
        }
        if (!learnedNow && left - ours > Math.max(0, before) + precision) {
            roomShown.run();
        }
        double after = levels.level(d);
        if (after != before) {
            changes.calibrated(dimension, before, after);
        }
    }

    /** Calls sent before {@code source} this long before it may still have reached the provider after it. */
    static final long RACE_NANOS = 1_000_000_000L;

    /**
     * What this process holds, counted as seen by {@link #pending}, that was sent less than {@link #RACE_NANOS}
     * before {@code source} (admitted no earlier than that before it): it may have arrived after it.
     */
    private static long racing(int d, MemoryReservation source, MemoryReservation inFlight, boolean countedAsGenerated) {
        if (countedAsGenerated || source == null || source.sentSeq == 0) {
            return 0;
        }
        long sum = 0;
        for (MemoryReservation r = inFlight; r != null; r = r.next) {
            if (r != source && r.sentSeq != 0 && r.sentSeq < source.sentSeq && r.admittedNanos >= source.admittedNanos - RACE_NANOS) {
                sum += r.cost.at(d);
            }
        }
        return sum;
    }

    /** What this process holds that the provider could not have counted when it answered {@code source}. */
    private static long pending(int d, MemoryReservation source, MemoryReservation inFlight, boolean countedAsGenerated) {
        long sum = 0;
        for (MemoryReservation r = inFlight; r != null; r = r.next) {
            if (r == source) {
                if (countedAsGenerated) {
                    sum += r.cost.at(d);
                }
                continue;
            }
            boolean unseen = r.sentSeq == 0 || source == null || source.sentSeq == 0 || r.sentSeq > source.sentSeq;
            if (unseen || countedAsGenerated) {
                sum += r.cost.at(d);
            }
        }
        return sum;
    }
}
