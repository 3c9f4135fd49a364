package dev.pacer.quota;

import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.spi.QuotaModel;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The local model of one quota key's provider buckets, and the line of calls waiting for them.
 *
 * <h2>Model</h2>
 * One continuously refilling token bucket per limited dimension: {@code level} rises at the
 * limit's rate up to its capacity. A reservation takes its cost from every dimension at once
 * (all or nothing, under this object's lock). Settling gives back (or takes more than) the
 * difference between the estimate and the real cost at once; a level may go negative (debt),
 * which later admissions pay by waiting. Dimensions without a known limit are not tracked:
 * an unknown limit admits at once until it is configured or learned from the provider.
 *
 * <h2>Admission</h2>
 * Waiting calls form one FIFO line per {@link Priority}; the head of the highest non-empty class
 * is the only candidate (strict head-of-line), so a large request is never overtaken forever by
 * small ones, at the price of idling capacity the head cannot use yet. A new call goes straight
 * through only when nobody of its class or a higher one is waiting. When the head does not fit,
 * a single wake-up is scheduled at the instant it will (computed from the deficits and rates, or
 * the end of a pause); settlements, refunds, calibrations and limit changes re-run the line and
 * move that wake-up earlier when capacity appears sooner. No thread waits.
 *
 * <h2>Calibration</h2>
 * A provider snapshot says what was {@code remaining} when it answered. Requests this process
 * admitted that the provider could not have counted yet are pending: those sent after the
 * request whose response carried the snapshot, those not sent at all, and, for output tokens,
 * every call still generating (output is counted as it is produced). The provider-equivalent of
 * the local level is therefore {@code remaining - pending}. A lower figure is believed at once
 * (over-admission costs 429s); a higher one only moves the level half-way (the provider may
 * simply not have counted something yet). Differences within the provider's rounding (1,000
 * tokens for Anthropic) are ignored, so its rounding cannot make the level oscillate.
 *
 * <h2>Reservations occupy the bucket</h2>
 * Refill stops at {@code capacity - reserved} (what calls in flight hold), not at capacity. If it
 * went up to capacity while a call holds an over-estimate, the refund of that over-estimate at
 * settlement would be capped away at one moment and let a burst through at another: a provider
 * that only counts real usage would then see more than capacity + rate x window in some window
 * (a property test found exactly this). With the rule, every window admits at most
 * capacity + rate x window of real usage, whatever the estimates were.
 *
 * <h2>Settling without reading the clock</h2>
 * A settlement that carries no provider snapshot applies at the model's last instant (the last
 * refill) instead of reading the clock and refilling first: as if the call had ended just after
 * the previous operation on the key. Nothing was decided in between, so this is exactly the model
 * of a history in which that call ended a little earlier, and every property of the model holds
 * for it; the next operation refills from there with the reservation gone. It keeps the clock out
 * of half of the critical sections (measured in {@code LimiterBenchmark}).
 *
 * <h2>Invariants</h2>
 * Under the lock, for each limited dimension: {@code level + reserved <= capacity} (except
 * transiently after a calibration or a limit change lowers the capacity); a permit gives back
 * exactly what it took, once; {@code level} only rises by refill and refunds.
 * Futures are completed and listeners called outside the lock.
 */
public final class QuotaBucket {

    private static final double NANOS_PER_SECOND = 1e9;
    private static final long MIN_WAKE_NANOS = 1_000;
    private static final long FAR_FUTURE = Long.MAX_VALUE / 4;
    private static final double MIN_SHARE = 0.05;
    private static final double SHARE_DECREASE = 0.7;
    /** How far the share grows before a ShareChanged reports it (cuts are always reported). */
    private static final double SHARE_REPORT_STEP = 0.05;
    /** Additive increase of the share: per second of answers that show room, not per answer, so it does not depend on the call rate. */
    private static final double SHARE_INCREASE_PER_SECOND = 0.02;
    /** Additive increase of the share while calls wait and none is out (see refill). */
    private static final double IDLE_SHARE_INCREASE_PER_SECOND = 0.005;
    /** How long after the last answer the share may start growing without one. */
    private static final long IDLE_GRACE_NANOS = 5_000_000_000L;
    /** While the share grows without answers, the line looks again this often (a handful of wake-ups until it is 1). */
    private static final long SHARE_GROWTH_WAKE_NANOS = 2_000_000_000L;

    private final QuotaKey key;
    private final QuotaModel model;
    private final PacerClock clock;
    private final PacerScheduler scheduler;
    private final QuotaListener listener;
    private final double learnedBurstRatio;
    private final ConcurrencyLimit.State concurrency;
    private final int coldStartConcurrency;

    // All state below is guarded by "this".
    private int width;
    private boolean[] limited;
    private Limit[] limits;
    private double[] level;
    private double[] ratePerNano;
    private long[] reserved;
    private long[] pausedUntil;
    private long pausedAllUntil = Long.MIN_VALUE;
    private long lastRefill;
    private int inFlight;
    private long sendSequence;
    private Instant lastSnapshotAt = Instant.MIN;
    /** The send sequence of the call whose answer carried the last snapshot applied (0: none or unknown). */
    private long lastSnapshotSeq;
    private PermitImpl inFlightHead;
    private final ArrayDeque<Waiter>[] lines;
    private final long[][] queuedCost;
    private int queued;
    private ScheduledTask wakeTask;
    private long wakeAt;
    /**
     * True until the first call ends or a limit is known: with nothing known about the provider's
     * limits, a burst of calls would all go at once and most would be refused, so only
     * {@code coldStartConcurrency} go until the first answer has had a chance to teach the limits.
     */
    private boolean cold = true;
    /** See {@link #onRateLimited()}. */
    private double share = 1.0;
    /** The share last reported in a ShareChanged event. */
    private double reportedShare = 1.0;
    /** A share change not yet reported (see setShare); written under the lock, read without it. */
    private volatile ShareReport unreportedShare;
    /** Requests admitted since the bucket was made (to tell, at the first answer, whether others use the key). */
    /** When this process sent its requests, until the first answer has been looked at (detectSharing); a bounded record. */
    private long[] earlySends = new long[64];
    private int earlySendCount;
    private long shareGrownNanos = Long.MIN_VALUE;
    /** Whether the first answer with a request count has been looked at for other clients (detectSharing). */
    private boolean sharingChecked;
    /** When the last provider snapshot was applied, on the bucket's clock. */
    private long lastAnswerNanos = Long.MIN_VALUE / 2;

    @SuppressWarnings("unchecked")
    QuotaBucket(QuotaKey key, QuotaModel model, PacerClock clock, PacerScheduler scheduler, QuotaListener listener,
                double learnedBurstRatio, ConcurrencyLimit concurrency, int coldStartConcurrency) {
        this.coldStartConcurrency = coldStartConcurrency;
        this.key = key;
        this.model = model;
        this.clock = clock;
        this.scheduler = scheduler;
        this.listener = listener;
        this.learnedBurstRatio = learnedBurstRatio;
        this.concurrency = concurrency.newState();
        int n = Math.max(3, Dimension.count());
        this.limited = new boolean[n];
        this.limits = new Limit[n];
        this.level = new double[n];
        this.ratePerNano = new double[n];
        this.reserved = new long[n];
        this.pausedUntil = new long[n];
        Arrays.fill(pausedUntil, Long.MIN_VALUE);
        this.width = n;
        this.lines = new ArrayDeque[Priority.values().length];
        this.queuedCost = new long[lines.length][n];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new ArrayDeque<>();
        }
        this.lastRefill = clock.nanoTime();
    }

    /** The key. */
    public QuotaKey key() {
        return key;
    }

    // ---------------------------------------------------------------- admission

    /**
     * Admits a call now if nobody of its class or higher is waiting and every dimension and a
     * concurrency slot can take it; otherwise returns null without queuing.
     *
     * @throws CapacityExceeded when the cost can never fit
     */
    public Permit tryAcquire(Cost cost) {
        PermitImpl permit;
        synchronized (this) {
            long now = clock.nanoTime();
            refill(now);
            CapacityExceeded tooLarge = capacityCheck(cost);
            if (tooLarge != null) {
                throw tooLarge;
            }
            if (queued > 0 || !canAdmit(cost, now)) {
                return null;
            }
            permit = admit(cost, 0, 0, 0);
        }
        if (listener != QuotaListener.NONE) {
            notifyAdmitted(permit, Duration.ZERO);
        }
        return permit;
    }

    /**
     * Admits a call when every dimension and a concurrency slot can take it, in line behind
     * earlier calls of its class and every call of a higher class.
     *
     * @param deadline null for none; when the estimated wait passes it, the future fails at once
     *                 with {@link QuotaWaitExceeded}, and it fails at the deadline if still waiting
     * @return a future completed with the permit; cancelling it gives up the place in line
     */
    public CompletableFuture<Permit> acquire(Cost cost, Priority priority, Instant deadline) {
        return acquire(cost, priority, deadline, null);
    }

    /**
     * As {@link #acquire(Cost, Priority, Instant)}, with the cost estimated again whenever the
     * call is at the head of its line: an estimate made when a large job was queued at once (say
     * {@code max_tokens} for the output, before anything was learned) is replaced by the current
     * one when the call is about to be admitted. {@code recost} runs under the bucket's lock, so
     * it must be quick and must not call back into the bucket; if it throws, the cost stays.
     */
    public CompletableFuture<Permit> acquire(Cost cost, Priority priority, Instant deadline, Supplier<Cost> recost) {
        return acquire(cost, priority, deadline, recost, 0, 0);
    }

    /** As {@link #acquire(Cost, Priority, Instant, Supplier)} for attempt {@code attempt} of call {@code callId}, which its events name. */
    public CompletableFuture<Permit> acquire(Cost cost, Priority priority, Instant deadline, Supplier<Cost> recost,
                                             long callId, int attempt) {
        Waiter waiter;
        Duration estimate;
        int lineLength;
        PermitImpl admittedAtOnce = null;
        synchronized (this) {
            long now = clock.nanoTime();
            refill(now);
            CapacityExceeded tooLarge = capacityCheck(cost);
            if (tooLarge != null) {
                return CompletableFuture.failedFuture(tooLarge);
            }
            if (!waitingAtOrAbove(priority) && canAdmit(cost, now)) {
                admittedAtOnce = admit(cost, 0, callId, attempt);
                waiter = null;
                estimate = null;
                lineLength = 0;
            } else {
            long deadlineNanos = deadline == null ? FAR_FUTURE : clock.toNanoTime(deadline);
            Blocker blocker = waitFor(cost, priority, now);
            if (now + blocker.nanos > deadlineNanos) {
                return CompletableFuture.failedFuture(new QuotaWaitExceeded(key, blocker.dimension,
                        Duration.ofNanos(Math.min(blocker.nanos, FAR_FUTURE)), deadline));
            }
            waiter = new Waiter(cost, priority, now, deadline, deadlineNanos, recost, callId, attempt);
            lines[priority.ordinal()].addLast(waiter);
            addQueued(priority, cost, 1);
            estimate = Duration.ofNanos(Math.min(blocker.nanos, FAR_FUTURE));
            lineLength = queued;
            }
        }
        if (admittedAtOnce != null) {
            if (listener != QuotaListener.NONE) {
                notifyAdmitted(admittedAtOnce, Duration.ZERO);
            }
            return CompletableFuture.completedFuture(admittedAtOnce);
        }
        waiter.future.whenComplete((permit, error) -> {
            if (waiter.future.isCancelled()) {
                withdraw(waiter);
            }
        });
        if (deadline != null) {
            waiter.deadlineTask = scheduler.schedule(() -> expire(waiter),
                    Duration.ofNanos(Math.max(0, waiter.deadlineNanos - clock.nanoTime())));
        }
        notifySafely(() -> listener.onQueued(callId, attempt, key, cost, priority, lineLength, estimate));
        drainAndComplete();
        return waiter.future;
    }

    // ---------------------------------------------------------------- provider feedback

    /** Pauses admission of one dimension, or of the whole key when {@code dimension} is null. */
    public void pause(Dimension dimension, Instant until) {
        pause(dimension, until, 0, 0);
    }

    /** As {@link #pause(Dimension, Instant)}, on the answer to attempt {@code attempt} of call {@code callId}. */
    public void pause(Dimension dimension, Instant until, long callId, int attempt) {
        synchronized (this) {
            long untilNanos = clock.toNanoTime(until);
            if (dimension == null) {
                pausedAllUntil = Math.max(pausedAllUntil, untilNanos);
            } else {
                ensureWidth(dimension.index() + 1);
                pausedUntil[dimension.index()] = Math.max(pausedUntil[dimension.index()], untilNanos);
            }
        }
        notifySafely(() -> listener.onPaused(callId, attempt, key, dimension, until));
        drainAndComplete();
    }

    /** Sets (or changes) the limit of one dimension. */
    public void setLimit(Dimension dimension, Limit limit) {
        synchronized (this) {
            refill(clock.nanoTime());
            applyLimit(dimension, limit);
        }
        notifySafely(() -> listener.onLimitChanged(0, 0, key, dimension, limit));
        drainAndComplete();
    }

    /** Corrects the model from a provider snapshot not tied to a particular call. */
    public void calibrate(RateLimitSnapshot snapshot) {
        calibrate(snapshot, null);
    }

    private void calibrate(RateLimitSnapshot snapshot, PermitImpl source) {
        List<Runnable> events = new ArrayList<>(2);
        synchronized (this) {
            if (!isNewest(snapshot, source)) {
                return;
            }
            refill(clock.nanoTime());
            detectSharing(snapshot, source);
            for (Map.Entry<Dimension, RateLimitSnapshot.Entry> e : snapshot.entries().entrySet()) {
                calibrateDimension(e.getKey(), e.getValue(), source, events);
            }
        }
        for (Runnable event : events) {
            notifySafely(event);
        }
        reportShare();
        drainAndComplete();
    }

    /**
     * Whether a snapshot is newer than every one applied so far, and if so records it. Answers
     * arrive out of order: a call sent early may answer after calls sent later, and its figures
     * are then older than theirs, although read later. Its {@code remaining} misses what the later
     * calls used, and those of them that have ended are no longer pending to account for it, so
     * believing it would pull the level up on a stale view. A snapshot is therefore judged by the
     * send order of the call that carried it, and by when it was read when no call did.
     */
    private boolean isNewest(RateLimitSnapshot snapshot, PermitImpl source) {
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
        lastAnswerNanos = clock.nanoTime();
        return true;
    }

    private void calibrateDimension(Dimension dimension, RateLimitSnapshot.Entry entry, PermitImpl source,
                                    List<Runnable> events) {
        int d = dimension.index();
        ensureWidth(d + 1);
        boolean learnedNow = false;
        if (entry.limit() > 0) {
            Limit learned = model.limitOf(dimension, entry.limit());
            if (learnedBurstRatio < 1) {
                learned = learned.withBurstRatio(learnedBurstRatio);
            }
            if (!limited[d] || limits[d].capacity() != learned.capacity()
                    || Math.abs(limits[d].refillPerSecond() - learned.refillPerSecond()) > 1e-9) {
                learnedNow = !limited[d];
                applyLimit(dimension, learned);
                Limit applied = learned;
                events.add(() -> listener.onLimitChanged(callOf(source), attemptOf(source), key, dimension, applied));
            }
        }
        if (entry.remaining() < 0 || !limited[d]) {
            return;
        }
        // With others on the key (see detectSharing and onRateLimited), what is left at the provider is
        // theirs too: aim at this process's share of it, or every client would spend the same room at
        // once. Debt is everybody's, whole. Whether the provider shows room at all decides the share.
        double left = Math.min(entry.remaining(), limits[d].capacity());
        double ours = pending(d, source, model.countedAsGenerated(dimension));
        double target = (left > 0 ? left * share : left) - ours;
        double before = level[d];
        double diff = target - before;
        double precision = entry.remainingPrecision();
        if (learnedNow || diff < -precision) {
            level[d] = target;
        } else if (diff > precision && left > 0) {
            // (A provider at 0 may be in debt it does not report: 0 is no reason to raise anything.)
            level[d] = Math.min(limits[d].capacity(), before + diff / 2);
        }
        if (!learnedNow && left - ours > Math.max(0, before) + precision) {
            growShare(source); // the provider shows room beyond what this process expects (not merely less debt)
        }
        if (level[d] != before) {
            double after = level[d];
            events.add(() -> listener.onCalibrated(callOf(source), attemptOf(source), key, dimension, before, after));
        }
    }

    /**
     * At the first answer that carries a request count (configured limits or not): do others use
     * this key? The request count is exact (never rounded), so this process replays its own sends
     * on a bucket of the provider's limit that starts full (the provider counts a request when it
     * arrives): what would be left if nobody else used the key. If the provider says less is left,
     * the difference is others' recent use, and this process starts from its part of the recent
     * use, so that clients started together do not each burst the whole bucket; the usual AIMD on
     * the share takes it from there. A full bucket says nothing, and a single client, however long
     * its first answer takes, is never mistaken for several: the replay refills as the provider does.
     */
    private void detectSharing(RateLimitSnapshot snapshot, PermitImpl source) {
        RateLimitSnapshot.Entry requests = snapshot.entries().get(Dimension.REQUESTS);
        if (requests == null || requests.limit() <= 0 || requests.remaining() < 0 || sharingChecked) {
            return;
        }
        sharingChecked = true;
        long[] sends = earlySends;
        int count = earlySendCount;
        earlySends = null;
        if (requests.remaining() >= requests.limit() || count == 0 || count == sends.length) {
            return; // a full bucket says nothing; without a record of our sends, neither can we
        }
        double limit = requests.limit();
        double perNano = limit / 60.0 / NANOS_PER_SECOND;
        double alone = limit;
        long previous = sends[0];
        for (int i = 0; i < count; i++) {
            alone = Math.min(limit, alone + perNano * (sends[i] - previous)) - 1;
            previous = sends[i];
        }
        alone = Math.min(limit, alone + perNano * Math.max(0, clock.nanoTime() - previous));
        double others = Math.floor(alone) - requests.remaining();
        double ours = Math.max(1, limit - alone);
        if (others >= 1) {
            setShare(Math.max(MIN_SHARE, Math.min(share, ours / (ours + others))), source,
                    "the first answer counted requests of other clients on the key");
        }
    }

    private void growShare(PermitImpl source) {
        long now = clock.nanoTime();
        if (share < 1.0 && shareGrownNanos != Long.MIN_VALUE) {
            double seconds = Math.min(5.0, (now - shareGrownNanos) / NANOS_PER_SECOND);
            setShare(Math.min(1.0, share + SHARE_INCREASE_PER_SECOND * seconds), source, "answers show room");
        }
        shareGrownNanos = now;
    }

    /**
     * Sets the share (lock held) and, when it moved far enough from the last one reported (any cut; a
     * growth of 0.05, or reaching 1), leaves a {@code ShareChanged} for {@link #reportShare()}.
     */
    private void setShare(double value, PermitImpl source, String reason) {
        double before = share;
        share = value;
        boolean cut = value < before;
        if (cut || value - reportedShare >= SHARE_REPORT_STEP || (value == 1.0 && reportedShare < 1.0)) {
            double from = reportedShare;
            reportedShare = value;
            long callId = callOf(source);
            int attempt = attemptOf(source);
            ShareReport previous = unreportedShare;
            unreportedShare = new ShareReport(previous != null ? previous.before : from, value, reason, callId, attempt);
        }
    }

    /** Sends the share change left by {@link #setShare}, outside the lock (a volatile read when there is none). */
    private void reportShare() {
        if (unreportedShare == null) {
            return;
        }
        ShareReport report;
        synchronized (this) {
            report = unreportedShare;
            unreportedShare = null;
        }
        if (report != null && listener != QuotaListener.NONE) {
            notifySafely(() -> listener.onShareChanged(report.callId, report.attempt, key, report.before, report.after,
                    report.reason));
        }
    }

    private static long callOf(PermitImpl permit) {
        return permit == null ? 0 : permit.callId;
    }

    private static int attemptOf(PermitImpl permit) {
        return permit == null ? 0 : permit.attempt;
    }

    private record ShareReport(double before, double after, String reason, long callId, int attempt) {
    }

    /** What this process holds that the provider could not have counted when it answered {@code source}. */
    private long pending(int d, PermitImpl source, boolean countedAsGenerated) {
        long sum = 0;
        for (PermitImpl p = inFlightHead; p != null; p = p.next) {
            if (p == source) {
                if (countedAsGenerated) {
                    sum += p.cost.at(d);
                }
                continue;
            }
            boolean unseen = p.sentSeq == 0 || source == null || source.sentSeq == 0 || p.sentSeq > source.sentSeq;
            if (unseen || countedAsGenerated) {
                sum += p.cost.at(d);
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- view

    /** A consistent view of the key now. */
    public QuotaView view() {
        synchronized (this) {
            long now = clock.nanoTime();
            refill(now);
            Map<Dimension, QuotaView.DimensionView> dims = new LinkedHashMap<>();
            Instant wallNow = clock.instant();
            for (int d = 0; d < width; d++) {
                if (limited[d]) {
                    dims.put(Dimension.byIndex(d), new QuotaView.DimensionView(limits[d], level[d], reserved[d],
                            pausedUntil[d] > now ? wallNow.plusNanos(pausedUntil[d] - now) : null));
                }
            }
            return new QuotaView(key, dims, inFlight, concurrency.limit(), queued,
                    pausedAllUntil > now ? wallNow.plusNanos(pausedAllUntil - now) : null);
        }
    }

    // ---------------------------------------------------------------- internals (lock held)

    private void refill(long now) {
        long since = lastRefill;
        long elapsed = now - lastRefill;
        if (elapsed > 0) {
            lastRefill = now;
            for (int d = 0; d < width; d++) {
                if (limited[d]) {
                    // Reservations in flight occupy the bucket: see the class comment.
                    double ceiling = limits[d].capacity() - reserved[d];
                    double l = level[d];
                    if (l < ceiling) {
                        double gain = ratePerNano[d] * elapsed;
                        if (l >= 0) {
                            l += gain * share;
                        } else {
                            // Debt is the provider's (see calibrateDimension): while its bucket is below zero
                            // it admits nobody, so all of its refill pays the debt; above zero, our share.
                            l = gain <= -l ? l + gain : (gain + l) * share;
                        }
                        level[d] = l > ceiling ? ceiling : l;
                    }
                }
            }
            long silent = now - Math.max(since, lastAnswerNanos + IDLE_GRACE_NANOS);
            if (share < 1.0 && inFlight == 0 && queued > 0 && silent > 0 && !inDebt()) {
                // Calls wait, none is out and no answer came for a while: nothing can show room, so the
                // share would never grow back and a client whose share was cut could starve while the
                // provider sits idle. Without evidence, the share grows with time; answers correct it.
                setShare(Math.min(1.0, share + IDLE_SHARE_INCREASE_PER_SECOND * silent / NANOS_PER_SECOND), null,
                        "calls wait, none is out and no answer came");
            }
        }
    }


    /**
     * Whether a dimension is in debt: the provider's own figures said it was spent beyond zero, so the
     * key is busy, not idle, and a share growing without evidence would only bring every client of it
     * out of its wait at once.
     */
    private boolean inDebt() {
        for (int d = 0; d < width; d++) {
            if (limited[d] && level[d] < 0) {
                return true;
            }
        }
        return false;
    }

    private CapacityExceeded capacityCheck(Cost cost) {
        int n = Math.min(cost.width(), width);
        for (int d = 0; d < n; d++) {
            if (limited[d] && cost.at(d) > limits[d].capacity()) {
                return new CapacityExceeded(key, Dimension.byIndex(d), cost.at(d), limits[d].capacity());
            }
        }
        return null;
    }

    private boolean canAdmit(Cost cost, long now) {
        if (inFlight >= concurrency.limit() || pausedAllUntil > now || (cold && inFlight >= coldStartConcurrency)) {
            return false;
        }
        int n = cost.width();
        if (n > width) {
            ensureWidth(n);
        }
        for (int d = 0; d < n; d++) {
            if (pausedUntil[d] > now || (limited[d] && level[d] < cost.at(d))) {
                return false;
            }
        }
        return true;
    }

    private PermitImpl admit(Cost cost, long waitedNanos, long callId, int attempt) {
        int n = cost.width();
        for (int d = 0; d < n; d++) {
            long amount = cost.at(d);
            if (amount != 0) {
                if (limited[d]) {
                    level[d] -= amount;
                }
                reserved[d] += amount;
            }
        }
        inFlight++;
        PermitImpl permit = new PermitImpl(this, cost, lastRefill, waitedNanos, callId, attempt);
        permit.next = inFlightHead;
        if (inFlightHead != null) {
            inFlightHead.prev = permit;
        }
        inFlightHead = permit;
        return permit;
    }

    /** Applies the end of a permit that {@link PermitImpl#end()} has ended. */
    private void finish(PermitImpl permit, Cost actual) {
        Cost cost = permit.cost;
        int n = Math.max(cost.width(), actual.width());
        if (n > width) {
            ensureWidth(n);
        }
        for (int d = 0; d < n; d++) {
            long took = cost.at(d);
            long diff = took - actual.at(d);
            reserved[d] -= took;
            if (limited[d] && diff != 0) {
                double l = level[d] + diff;
                double ceiling = limits[d].capacity() - reserved[d];
                level[d] = l > ceiling ? Math.max(level[d], ceiling) : l;
            }
        }
        inFlight--;
        cold = false;
        concurrency.onSignal(permit.signal, inFlight + 1);
        if (permit.prev != null) {
            permit.prev.next = permit.next;
        } else {
            inFlightHead = permit.next;
        }
        if (permit.next != null) {
            permit.next.prev = permit.prev;
        }
        permit.prev = permit.next = null;
    }

    private boolean waitingAtOrAbove(Priority priority) {
        for (int p = 0; p <= priority.ordinal(); p++) {
            if (!lines[p].isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** How long until everything queued at or above {@code priority} plus {@code cost} fits, and what decides it. */
    private Blocker waitFor(Cost cost, Priority priority, long now) {
        long worst = 0;
        Dimension worstDimension = null;
        if (pausedAllUntil > now) {
            worst = pausedAllUntil - now;
        }
        int n = Math.max(cost.width(), width);
        for (int d = 0; d < n; d++) {
            long need = cost.at(d);
            for (int p = 0; p <= priority.ordinal(); p++) {
                need += queuedCost[p][d];
            }
            if (pausedUntil[d] > now && pausedUntil[d] - now > worst) {
                worst = pausedUntil[d] - now;
                worstDimension = Dimension.byIndex(d);
            }
            if (limited[d] && need > level[d]) {
                double nanos = nanosToReach(d, need);
                long wait = nanos >= FAR_FUTURE ? FAR_FUTURE : (long) Math.ceil(nanos);
                if (wait > worst) {
                    worst = wait;
                    worstDimension = Dimension.byIndex(d);
                }
            }
        }
        return new Blocker(worst, worstDimension);
    }

    /**
     * Nanoseconds until the head fits by refill alone; 0 when it waits for something only a
     * settlement can bring (a concurrency slot, or capacity held by calls in flight), since every
     * settlement re-runs the line anyway.
     */
    private long headWait(Cost cost, long now) {
        long worst = pausedAllUntil > now ? pausedAllUntil - now : 0;
        int n = cost.width();
        for (int d = 0; d < n; d++) {
            if (pausedUntil[d] > now) {
                worst = Math.max(worst, pausedUntil[d] - now);
            }
            if (limited[d] && cost.at(d) > limits[d].capacity() - reserved[d]) {
                return worst > 0 ? worst : 0;
            }
            if (limited[d] && cost.at(d) > level[d]) {
                double nanos = nanosToReach(d, cost.at(d));
                worst = Math.max(worst, nanos >= FAR_FUTURE ? FAR_FUTURE : (long) Math.ceil(nanos));
            }
        }
        return worst;
    }

    /** Nanoseconds of refill until dimension {@code d}'s level reaches {@code amount} (above it): see refill. */
    private double nanosToReach(int d, double amount) {
        double l = level[d];
        double rate = ratePerNano[d];
        if (l >= 0) {
            return (amount - l) / (rate * share);
        }
        return amount <= 0 ? (amount - l) / rate : -l / rate + amount / (rate * share);
    }

    private Waiter head() {
        for (ArrayDeque<Waiter> line : lines) {
            Waiter w = line.peekFirst();
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    private void addQueued(Priority priority, Cost cost, int sign) {
        long[] sums = queuedCost[priority.ordinal()];
        int n = cost.width();
        if (n > sums.length) {
            ensureWidth(n);
            sums = queuedCost[priority.ordinal()];
        }
        for (int d = 0; d < n; d++) {
            sums[d] += sign * cost.at(d);
        }
        queued += sign;
    }

    /** Re-estimates the head's cost; returns the error when the new estimate can never fit. */
    private CapacityExceeded recost(Waiter head) {
        if (head.recost == null) {
            return null;
        }
        Cost fresh;
        try {
            fresh = head.recost.get();
        } catch (RuntimeException e) {
            return null;
        }
        if (fresh == null || fresh.equals(head.cost)) {
            return null;
        }
        addQueued(head.priority, head.cost, -1);
        head.cost = fresh;
        addQueued(head.priority, fresh, 1);
        return capacityCheck(fresh);
    }

    private void removeWaiter(Waiter waiter) {
        if (lines[waiter.priority.ordinal()].remove(waiter)) {
            addQueued(waiter.priority, waiter.cost, -1);
        }
    }

    private void applyLimit(Dimension dimension, Limit limit) {
        int d = dimension.index();
        ensureWidth(d + 1);
        if (!limited[d]) {
            // Calls admitted while the limit was unknown still hold their share.
            level[d] = limit.capacity() - reserved[d];
        } else if (level[d] > limit.capacity()) {
            level[d] = limit.capacity();
        }
        limited[d] = true;
        cold = false;
        limits[d] = limit;
        ratePerNano[d] = limit.refillPerSecond() / NANOS_PER_SECOND;
    }

    private void ensureWidth(int n) {
        if (n <= width) {
            return;
        }
        limited = Arrays.copyOf(limited, n);
        limits = Arrays.copyOf(limits, n);
        level = Arrays.copyOf(level, n);
        ratePerNano = Arrays.copyOf(ratePerNano, n);
        reserved = Arrays.copyOf(reserved, n);
        long[] paused = Arrays.copyOf(pausedUntil, n);
        Arrays.fill(paused, width, n, Long.MIN_VALUE);
        pausedUntil = paused;
        for (int p = 0; p < queuedCost.length; p++) {
            queuedCost[p] = Arrays.copyOf(queuedCost[p], n);
        }
        width = n;
    }

    // ---------------------------------------------------------------- the line

    /**
     * Admits every head that fits, fails a head whose deadline can no longer be met, and
     * schedules one wake-up for when the new head will fit. Completes futures outside the lock.
     */
    private void drainAndComplete() {
        List<Object> done = null;
        synchronized (this) {
            long now = clock.nanoTime();
            refill(now);
            Waiter head;
            while ((head = head()) != null) {
                if (head.future.isDone()) {
                    removeWaiter(head);
                    continue;
                }
                CapacityExceeded tooLarge = recost(head);
                if (tooLarge != null) {
                    removeWaiter(head);
                    done = add(done, head, tooLarge);
                    continue;
                }
                if (canAdmit(head.cost, now)) {
                    removeWaiter(head);
                    PermitImpl permit = admit(head.cost, now - head.enqueuedAt, head.callId, head.attempt);
                    done = add(done, head, permit);
                    continue;
                }
                long wait = headWait(head.cost, now);
                if (head.deadline != null && now + wait > head.deadlineNanos) {
                    removeWaiter(head);
                    done = add(done, head, new QuotaWaitExceeded(key, blockingDimension(head.cost, now),
                            Duration.ofNanos(Math.min(wait, FAR_FUTURE)), head.deadline));
                    continue;
                }
                if (wait > 0) {
                    if (share < 1.0 && inFlight == 0) {
                        wait = Math.min(wait, SHARE_GROWTH_WAKE_NANOS); // the share grows meanwhile: the fit comes sooner
                    }
                    scheduleWake(now, Math.max(MIN_WAKE_NANOS, wait));
                }
                break;
            }
        }
        if (done != null) {
            complete(done);
        }
        reportShare();
    }

    private Dimension blockingDimension(Cost cost, long now) {
        Dimension worst = null;
        double worstWait = 0;
        for (int d = 0; d < cost.width(); d++) {
            if (limited[d] && cost.at(d) > level[d]) {
                double wait = nanosToReach(d, cost.at(d));
                if (wait > worstWait) {
                    worstWait = wait;
                    worst = Dimension.byIndex(d);
                }
            }
        }
        return worst;
    }

    private static List<Object> add(List<Object> done, Waiter waiter, Object result) {
        if (done == null) {
            done = new ArrayList<>(4);
        }
        done.add(waiter);
        done.add(result);
        return done;
    }

    private void complete(List<Object> done) {
        for (int i = 0; i < done.size(); i += 2) {
            Waiter waiter = (Waiter) done.get(i);
            Object result = done.get(i + 1);
            if (waiter.deadlineTask != null) {
                waiter.deadlineTask.cancel();
            }
            if (result instanceof PermitImpl permit) {
                if (!waiter.future.complete(permit)) {
                    permit.release(); // cancelled in the meantime: give everything back
                } else if (listener != QuotaListener.NONE) {
                    notifyAdmitted(permit, permit.waited());
                }
            } else {
                waiter.future.completeExceptionally((Throwable) result);
            }
        }
    }

    private void scheduleWake(long now, long delay) {
        long at = now + delay;
        if (wakeTask != null && wakeAt <= at) {
            return;
        }
        if (wakeTask != null) {
            wakeTask.cancel();
        }
        wakeAt = at;
        ScheduledTask[] holder = new ScheduledTask[1];
        holder[0] = scheduler.schedule(() -> {
            synchronized (this) {
                if (wakeTask == holder[0]) {
                    wakeTask = null;
                }
            }
            drainAndComplete();
        }, Duration.ofNanos(delay));
        wakeTask = holder[0];
    }

    private void withdraw(Waiter waiter) {
        synchronized (this) {
            removeWaiter(waiter);
        }
        if (waiter.deadlineTask != null) {
            waiter.deadlineTask.cancel();
        }
        drainAndComplete();
    }

    private void expire(Waiter waiter) {
        boolean removed;
        Dimension dimension;
        long now;
        synchronized (this) {
            now = clock.nanoTime();
            refill(now);
            removed = lines[waiter.priority.ordinal()].contains(waiter);
            dimension = removed ? blockingDimension(waiter.cost, now) : null;
            if (removed) {
                removeWaiter(waiter);
            }
        }
        if (removed) {
            waiter.future.completeExceptionally(new QuotaWaitExceeded(key, dimension,
                    Duration.ofNanos(now - waiter.enqueuedAt), waiter.deadline));
            drainAndComplete();
        }
    }

    // ---------------------------------------------------------------- permits

    /** Ends a permit at the model's last instant (see "Settling without reading the clock"). */
    void settle(PermitImpl permit, Cost actual) {
        boolean drain;
        synchronized (this) {
            if (!permit.end()) {
                return;
            }
            finish(permit, actual);
            drain = queued > 0;
        }
        if (drain) {
            drainAndComplete();
        }
    }

    /**
     * Settles and applies the provider's view carried by the same response, under one lock, so
     * that nobody is admitted in between on a model the response is about to correct.
     */
    void settle(PermitImpl permit, Cost actual, RateLimitSnapshot snapshot) {
        List<Runnable> events = new ArrayList<>(2);
        synchronized (this) {
            if (!permit.end()) {
                return;
            }
            refill(clock.nanoTime());
            finish(permit, actual);
            if (isNewest(snapshot, permit)) {
                detectSharing(snapshot, permit);
                for (Map.Entry<Dimension, RateLimitSnapshot.Entry> e : snapshot.entries().entrySet()) {
                    calibrateDimension(e.getKey(), e.getValue(), permit, events);
                }
            }
        }
        for (Runnable event : events) {
            notifySafely(event);
        }
        drainAndComplete();
    }

    /**
     * The provider refused a call for quota although the local model let it through: another
     * client shares the quota (or the model was too generous). The local refill rate is cut to a
     * share of the provider's, multiplicatively; it grows back additively while the provider's
     * figures show room (AIMD), so independent clients of one key converge on their shares
     * without talking to each other.
     */
    public void onRateLimited() {
        onRateLimited(0, 0);
    }

    /** As {@link #onRateLimited()}, on the 429 that answered attempt {@code attempt} of call {@code callId}. */
    public void onRateLimited(long callId, int attempt) {
        synchronized (this) {
            refill(clock.nanoTime());
            double before = share;
            share = Math.max(MIN_SHARE, share * SHARE_DECREASE);
            reportedShare = share;
            unreportedShare = new ShareReport(before, share, "a 429 showed others on the key", callId, attempt);
        }
        reportShare();
    }

    /** The share of the provider's refill rate this process currently assumes it gets (1 = all). */
    public synchronized double share() {
        return share;
    }

    synchronized void markSent(PermitImpl permit) {
        if (permit.sentSeq == 0 && permit.isOpen()) {
            permit.sentSeq = ++sendSequence;
            recordEarlySend(permit.cost.at(Dimension.REQUESTS.index()));
        }
    }

    private void recordEarlySend(long requests) {
        if (earlySends == null || requests <= 0) {
            return;
        }
        long now = clock.nanoTime();
        for (long i = 0; i < requests && earlySendCount < earlySends.length; i++) {
            if (earlySendCount == earlySends.length - 1 && earlySends.length < 4096) {
                earlySends = Arrays.copyOf(earlySends, earlySends.length * 2);
            }
            earlySends[earlySendCount++] = now;
        }
    }

    void calibrateFrom(PermitImpl permit, RateLimitSnapshot snapshot) {
        calibrate(snapshot, permit);
    }

    private void notifyAdmitted(PermitImpl permit, Duration waited) {
        notifySafely(() -> listener.onAdmitted(permit.callId, permit.attempt, key, permit.cost, waited));
    }

    private static void notifySafely(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException ignored) {
            // A listener must never break admission.
        }
    }

    private record Blocker(long nanos, Dimension dimension) {
    }

    private static final class Waiter {
        Cost cost;      // guarded by the bucket's lock; re-estimated at the head of the line
        final Supplier<Cost> recost;
        final Priority priority;
        final long enqueuedAt;
        final Instant deadline;
        final long deadlineNanos;
        final long callId;
        final int attempt;
        final CompletableFuture<Permit> future = new CompletableFuture<>();
        volatile ScheduledTask deadlineTask;

        Waiter(Cost cost, Priority priority, long enqueuedAt, Instant deadline, long deadlineNanos, Supplier<Cost> recost,
               long callId, int attempt) {
            this.callId = callId;
            this.attempt = attempt;
            this.cost = cost;
            this.recost = recost;
            this.priority = priority;
            this.enqueuedAt = enqueuedAt;
            this.deadline = deadline;
            this.deadlineNanos = deadlineNanos;
        }
    }
}
