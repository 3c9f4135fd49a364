package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.PacerClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One quota's state in memory: the {@link DimensionLevels}, the {@link Calibrator}, the
 * {@link ShareEstimator} and the reservations in flight, under its {@link StateLock}. Each operation of
 * {@link QuotaState} is one critical section; listeners are called after it, outside the lock.
 *
 * <h2>Settling without reading the clock</h2>
 * A settlement that carries no provider snapshot applies at the model's last instant (the last
 * refill) instead of reading the clock and refilling first: as if the call had ended just after the
 * previous operation on the key. Nothing was decided in between, so this is exactly the model of a
 * history in which that call ended a little earlier, and every property of the model holds for it;
 * the next operation refills from there with the reservation gone. It keeps the clock out of half
 * of the critical sections (measured in {@code LimiterBenchmark}).
 *
 * <h2>Invariants</h2>
 * Under the lock: the in-flight list holds exactly the reservations granted and not yet ended; a
 * reservation gives back exactly what it took, once (see also {@link DimensionLevels}).
 */
final class InMemoryQuotaState implements QuotaState {

    private final QuotaKey key;
    private final PacerClock clock;
    private final QuotaListener listener;
    private final Calibrator calibrator;
    private final StateLock lock = new StateLock();

    // Guarded by the lock.
    private final DimensionLevels levels;
    private final ShareEstimator share = new ShareEstimator();
    private final GenerationPacing pacing;
    private MemoryReservation inFlightHead;
    private int inFlight;
    private long sendSequence;

    private volatile int waiting;
    private volatile boolean limitsKnown;
    /** Set under the lock when the share estimator holds a change to report; read without it. */
    private volatile boolean shareReportPending;

    InMemoryQuotaState(QuotaKey key, QuotaModel model, PacerClock clock, QuotaListener listener, double learnedBurstRatio) {
        this.key = key;
        this.clock = clock;
        this.listener = listener;
        this.calibrator = new Calibrator(model, learnedBurstRatio);
        this.levels = new DimensionLevels(clock.nanoTime());
        this.pacing = new GenerationPacing(model);
    }

    @Override
    public ReserveResult reserve(Cost cost, long callId, int attempt) {
        ReserveResult result;
        lock.lock();
        try {
            long now = clock.nanoTime();
            refill(now);
            int exceeded = levels.exceededDimension(cost);
            if (exceeded >= 0) {
                result = Refusal.never(Dimension.byIndex(exceeded), cost.at(exceeded), levels.limit(exceeded).capacity());
            } else if (levels.canTake(cost, now) || pacedFit(cost, now, 0)) {
                levels.take(cost);
                MemoryReservation r = new MemoryReservation(cost, callId, attempt, now);
                r.next = inFlightHead;
                if (inFlightHead != null) {
                    inFlightHead.prev = r;
                }
                inFlightHead = r;
                inFlight++;
                result = r;
            } else {
                Refusal wait = levels.headWait(cost, now, share.value());
                if (pacing.active() && !share.othersSeen()) {
                    wait = pacedWait(cost, now, wait);
                }
                if (wait.kind() == Refusal.Kind.WAIT && wait.waitNanos() > ShareEstimator.GROWTH_WAKE_NANOS
                        && share.value() < 1.0 && inFlight == 0) {
                    // The share grows meanwhile (see ShareEstimator), so the fit comes sooner: look again then.
                    wait = Refusal.waitFor(wait.dimension(), ShareEstimator.GROWTH_WAKE_NANOS);
                }
                result = wait;
            }
        } finally {
            lock.unlock();
        }
        reportShare();
        return result;
    }

    @Override
    public Refusal estimate(Cost cost, Cost ahead) {
        Refusal result;
        lock.lock();
        try {
            long now = clock.nanoTime();
            refill(now);
            int exceeded = levels.exceededDimension(cost);
            result = exceeded >= 0
                    ? Refusal.never(Dimension.byIndex(exceeded), cost.at(exceeded), levels.limit(exceeded).capacity())
                    : levels.waitFor(ahead == Cost.ZERO ? cost : cost.plus(ahead), now, share.value());
        } finally {
            lock.unlock();
        }
        reportShare();
        return result;
    }

    @Override
    public void sent(Reservation reservation) {
        MemoryReservation r = (MemoryReservation) reservation;
        lock.lock();
        try {
            if (r.sentSeq == 0 && !r.ended) {
                r.sentSeq = ++sendSequence;
                share.recordSend(r.cost.get(Dimension.REQUESTS), clock.nanoTime());
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void settle(Reservation reservation, Cost actual, RateLimitSnapshot snapshot) {
        MemoryReservation r = (MemoryReservation) reservation;
        if (snapshot == null) {
            lock.lock();
            try {
                if (!r.ended) {
                    end(r, actual, -1);
                }
            } finally {
                lock.unlock();
            }
            return;
        }
        List<Runnable> events = new ArrayList<>(2);
        lock.lock();
        try {
            if (r.ended) {
                return;
            }
            long now = clock.nanoTime();
            refill(now);
            end(r, actual, now);
            if (calibrator.isNewest(snapshot, r)) {
                applySnapshot(snapshot, r, events);
            } else if (share.tentative()) {
                // A tentative verdict on sharing looks again at the next answer, whichever call carries it.
                share.detectSharing(snapshot, now, r.admittedNanos, r.callId, r.attempt);
                shareReportPending = share.hasReport();
            }
        } finally {
            lock.unlock();
        }
        notifyAll(events);
        reportShare();
    }

    @Override
    public void calibrate(RateLimitSnapshot snapshot, Reservation source) {
        MemoryReservation r = (MemoryReservation) source;
        List<Runnable> events = new ArrayList<>(2);
        lock.lock();
        try {
            if (!calibrator.isNewest(snapshot, r)) {
                return;
            }
            share.answered(clock.nanoTime());
            refill(clock.nanoTime());
            applySnapshot(snapshot, r, events);
        } finally {
            lock.unlock();
        }
        notifyAll(events);
        reportShare();
    }

    /** Lock held; after {@link Calibrator#isNewest}. */
    private void applySnapshot(RateLimitSnapshot snapshot, MemoryReservation source, List<Runnable> events) {
        long now = clock.nanoTime();
        share.answered(now);
        long callId = source == null ? 0 : source.callId;
        int attempt = source == null ? 0 : source.attempt;
        share.detectSharing(snapshot, now, source == null ? now : source.admittedNanos, callId, attempt);
        Calibrator.Changes changes = new Calibrator.Changes() {
            @Override
            public void limitChanged(Dimension dimension, Limit limit) {
                limitsKnown = true;
                events.add(() -> listener.onLimitChanged(callId, attempt, key, dimension, limit));
            }

            @Override
            public void calibrated(Dimension dimension, double before, double after) {
                events.add(() -> listener.onCalibrated(callId, attempt, key, dimension, before, after));
            }
        };
        for (Map.Entry<Dimension, RateLimitSnapshot.Entry> e : snapshot.entries().entrySet()) {
            calibrator.apply(e.getKey(), e.getValue(), source, inFlightHead, levels, share.value(),
                    () -> share.grow(now, callId, attempt), changes);
        }
        shareReportPending = share.hasReport();
    }

    @Override
    public void pause(Dimension dimension, Instant until, long callId, int attempt) {
        lock.lock();
        try {
            levels.pause(dimension == null ? -1 : dimension.index(), clock.toNanoTime(until));
        } finally {
            lock.unlock();
        }
        Listeners.notifySafely(() -> listener.onPaused(callId, attempt, key, dimension, until));
    }

    @Override
    public void setLimit(Dimension dimension, Limit limit) {
        lock.lock();
        try {
            refill(clock.nanoTime());
            levels.applyLimit(dimension.index(), limit);
            limitsKnown = true;
        } finally {
            lock.unlock();
        }
        Listeners.notifySafely(() -> listener.onLimitChanged(0, 0, key, dimension, limit));
    }

    @Override
    public void rateLimited(long callId, int attempt) {
        lock.lock();
        try {
            refill(clock.nanoTime());
            share.cut(callId, attempt);
            shareReportPending = true;
        } finally {
            lock.unlock();
        }
        reportShare();
    }

    @Override
    public void waiting(int calls) {
        waiting = calls;
    }

    @Override
    public boolean limitsKnown() {
        return limitsKnown;
    }

    @Override
    public double share() {
        lock.lock();
        try {
            return share.value();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public View view() {
        lock.lock();
        try {
            long now = clock.nanoTime();
            refill(now);
            Instant wallNow = clock.instant();
            return new View(levels.view(now, wallNow), levels.pausedAllUntil(now, wallNow), inFlight);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- lock held

    private void refill(long now) {
        long since = levels.lastRefill();
        if (pacing.active()) {
            occupyWhatIsStillGenerated(now);
        }
        if (levels.refill(now, share.value()) && share.value() < 1.0 && inFlight == 0 && waiting > 0) {
            share.passed(since, now, levels.inDebt());
            shareReportPending = share.hasReport();
        }
    }

    private void end(MemoryReservation r, Cost actual, long now) {
        r.ended = true;
        inFlight--;
        if (r.prev != null) {
            r.prev.next = r.next;
        } else {
            inFlightHead = r.next;
        }
        if (r.next != null) {
            r.next.prev = r.prev;
        }
        r.prev = r.next = null;
        // Without a snapshot the clock was not read (class comment): no sample, and the occupation as of the last refill.
        if (now >= 0) {
            pacing.learn(actual, r.admittedNanos, now);
        }
        if (pacing.active()) {
            occupyWhatIsStillGenerated(now >= 0 ? now : levels.lastRefill());
        }
        levels.giveBack(r.cost, actual);
    }

    /** The buckets paced by generation are occupied by what the calls in flight may still produce (GenerationPacing). */
    private void occupyWhatIsStillGenerated(long now) {
        boolean alone = !share.othersSeen();
        for (int d = 0, n = Dimension.count(); d < n; d++) {
            if (pacing.bound(d) > 0) {
                levels.occupy(d, alone ? pacing.remaining(d, inFlightHead, now) : Double.NaN);
            }
        }
    }

    /**
     * Whether {@code cost} fits at {@code now + after} when the dimensions paced by generation are
     * judged by {@link GenerationPacing} (the others by their level then, refilled by {@code after}).
     */
    private boolean pacedFit(Cost cost, long now, long after) {
        // Others on the key drain the provider's bucket too: what the rule knows of it is then only this process's part.
        if (!pacing.active() || share.othersSeen()) {
            return false;
        }
        double s = share.value();
        for (int d = 0, n = cost.width(); d < n; d++) {
            if (levels.paused(d, now + after)) {
                return false;
            }
            long c = cost.at(d);
            if (!levels.isLimited(d)) {
                continue;
            }
            double rate = levels.ratePerNano(d, s);
            double level = Math.min(levels.limit(d).capacity(), levels.level(d) + rate * after);
            if (level >= c) {
                continue;
            }
            if (pacing.bound(d) <= 0 || !pacing.fits(d, c, level, rate, inFlightHead, now, after)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The head's wait when some dimension is paced by generation: the first of a few instants up to
     * {@code lump}'s wait (or, when a settlement was awaited, until the calls in flight would have
     * produced all they reserved) at which the cost fits; {@code lump} when none does. Settlements run
     * the line again anyway, so the instants need not be exact.
     */
    private Refusal pacedWait(Cost cost, long now, Refusal lump) {
        if (lump.kind() != Refusal.Kind.WAIT && lump.kind() != Refusal.Kind.HELD) {
            return lump;
        }
        long horizon = lump.kind() == Refusal.Kind.WAIT ? lump.waitNanos() : 0;
        if (lump.kind() == Refusal.Kind.HELD) {
            for (int d = 0, n = cost.width(); d < n; d++) {
                double u = pacing.bound(d);
                if (u > 0) {
                    for (MemoryReservation r = inFlightHead; r != null; r = r.next) {
                        horizon = Math.max(horizon, (long) Math.ceil(r.cost.at(d) / u) - (now - r.admittedNanos));
                    }
                }
            }
        }
        final int steps = 24;
        for (int i = 1; i < steps && horizon > steps; i++) {
            long after = horizon / steps * i;
            if (pacedFit(cost, now, after)) {
                return Refusal.waitFor(lump.dimension(), after);
            }
        }
        return lump;
    }

    // ---------------------------------------------------------------- outside the lock

    private void reportShare() {
        if (!shareReportPending) {
            return;
        }
        ShareEstimator.Report report;
        lock.lock();
        try {
            shareReportPending = false;
            report = share.takeReport();
        } finally {
            lock.unlock();
        }
        if (report != null) {
            Listeners.notifySafely(() -> listener.onShareChanged(report.callId(), report.attempt(), key, report.before(),
                    report.after(), report.reason()));
        }
    }

    private static void notifyAll(List<Runnable> events) {
        for (Runnable event : events) {
            Listeners.notifySafely(event);
        }
    }

    @Override
    public String toString() {
        return "QuotaState[" + key + "]";
    }
}
