package dev.pacer.internal;

import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.concurrency.AimdLimit;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The calls of this process waiting for one quota key, in front of its {@link QuotaState}: one FIFO
 * line per {@link Priority}, the concurrency limit, the cold start, deadlines and the one scheduled
 * wake-up. What the provider's buckets hold is the state's; the order in which this process asks for
 * it is the line's. Internal: the engine and {@link dev.pacer.quota.Quotas} use it.
 *
 * <h2>Admission</h2>
 * The head of the highest non-empty class is the only candidate (strict head-of-line), so a large
 * request is never overtaken forever by small ones, at the price of idling capacity the head cannot
 * use yet. A new call goes straight to the state only when nobody of its class or a higher one is
 * waiting. When the head does not fit, the state says when it will, and a single wake-up is
 * scheduled then; settlements, refunds, calibrations and limit changes run the line again and move
 * that wake-up earlier when capacity appears sooner. No thread waits. While a call waits at the head
 * its cost is estimated again (the caller's {@code recost}), so a job queued all at once, before
 * anything was learned, is admitted at what is known when its turn comes.
 *
 * <h2>Draining, and the state's operations</h2>
 * The state is never called under this object's lock (a shared store answers in a round trip),
 * except {@link QuotaState#limitsKnown()} and {@link QuotaState#waiting(int)}, which must be quick.
 * One thread drains at a time: a drain asked for while another runs sets {@code drainAgain}, and the
 * running one goes round once more before it stops, so no wake-up is lost. A head's concurrency slot
 * is taken before its reservation is asked for, and given back if the state refuses, so quota is
 * never held while waiting for a slot or the other way round.
 *
 * <h2>Cold start</h2>
 * Until the first call ends or a limit is known, only {@code coldStartConcurrency} calls go: with
 * nothing known of the provider's limits, a burst would all go at once and most would be refused.
 *
 * <p>Why one class of about 600 lines: the fast path, the drain protocol, deadlines and the wake-up
 * share one lock and the invariants below; split over files, no file would state them whole.
 *
 * <h2>Invariants</h2>
 * Under the lock: {@code queued} is the number of waiters in the lines and {@code queuedCost} their
 * costs per class. {@code inFlight} counts permits not yet ended plus calls being reserved; it changes
 * only by CAS, so the fast path (nobody waiting, a fixed limit) takes a slot without the lock; with no
limit and the cold start over nothing is counted here at all (the view reads the state's count), so
concurrent calls on an unlimited key touch nothing of the line but what they read. Every
 * slot given back while calls wait is followed by a drain. Futures are completed and listeners called
 * outside the lock.
 */
public final class AdmissionLine {

    private static final long MIN_WAKE_NANOS = 1_000;
    /** What {@link #takeSlot} answers: no slot free; a slot counted in {@code inFlight}; admitted with nothing to count. */
    private static final int NO_SLOT = 0, COUNTED = 1, UNCOUNTED = 2;
    private static final long FAR_FUTURE = DimensionLevels.FAR_FUTURE;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(AdmissionLine.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final QuotaKey key;
    private final QuotaState state;
    private final PacerClock clock;
    private final PacerScheduler scheduler;
    private final QuotaListener listener;
    private final int coldStartConcurrency;
    /** Whether the concurrency limit adapts (then its state changes only under the lock). */
    final boolean adaptive;
    /**
     * Whether the limit is fixed at {@link Integer#MAX_VALUE}: then, once the cold start is over, a call
     * takes no slot at all, so concurrent calls share no counter here (see {@link #takeSlot}).
     */
    private final boolean unbounded;

    // Guarded by "this".
    private final ConcurrencyLimit.State concurrency;
    private final ArrayDeque<Waiter>[] lines;
    private final Cost[] queuedCost;
    private volatile int queued;          // written under the lock, read without it on the fast path
    private volatile int inFlight;        // changed through IN_FLIGHT (a slot is taken by CAS, see takeSlot)
    private volatile boolean cold = true;
    private boolean draining;
    private boolean drainAgain;
    private ScheduledTask wakeTask;
    private long wakeAt;

    @SuppressWarnings("unchecked")
    public AdmissionLine(QuotaKey key, QuotaState state, PacerClock clock, PacerScheduler scheduler, QuotaListener listener,
                         ConcurrencyLimit concurrency, int coldStartConcurrency) {
        this.key = key;
        this.state = state;
        this.clock = clock;
        this.scheduler = scheduler;
        this.listener = listener;
        this.concurrency = concurrency.newState();
        this.adaptive = concurrency instanceof AimdLimit;
        this.unbounded = !adaptive && this.concurrency.limit() == Integer.MAX_VALUE;
        this.coldStartConcurrency = coldStartConcurrency;
        this.lines = new ArrayDeque[Priority.values().length];
        this.queuedCost = new Cost[lines.length];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new ArrayDeque<>();
            queuedCost[i] = Cost.ZERO;
        }
    }

    /** The key. */
    public QuotaKey key() {
        return key;
    }

    /** The state behind the line. */
    public QuotaState state() {
        return state;
    }

    // ---------------------------------------------------------------- admission

    /**
     * Admits now if nobody waits and every dimension and a slot can take {@code cost}; otherwise null,
     * without queuing.
     *
     * @throws CapacityExceeded when the cost can never fit
     */
    public Permit tryAcquire(Cost cost) {
        int slot;
        if (fastPath()) {
            slot = takeSlot();
        } else {
            synchronized (this) {
                slot = queued > 0 ? NO_SLOT : takeSlot();
            }
        }
        if (slot == NO_SLOT) {
            Refusal estimate = state.estimate(cost, Cost.ZERO);
            if (estimate != null && estimate.kind() == Refusal.Kind.NEVER) {
                throw tooLarge(estimate);
            }
            return null;
        }
        ReserveResult result = state.reserve(cost, 0, 0);
        if (result instanceof Reservation reservation) {
            LinePermit permit = new LinePermit(this, reservation, slot == COUNTED, 0, 0, 0);
            notifyAdmitted(permit, Priority.NORMAL);
            return permit;
        }
        giveBackSlot(slot);
        Refusal refusal = (Refusal) result;
        if (refusal.kind() == Refusal.Kind.NEVER) {
            throw tooLarge(refusal);
        }
        return null;
    }

    /**
     * Admits a call when every dimension and a slot can take it, in line behind earlier calls of its
     * class and every call of a higher class.
     *
     * @param deadline null for none; when the estimated wait passes it, the future fails at once with
     *                 {@link QuotaWaitExceeded}, and it fails at the deadline if still waiting
     * @param recost   null, or the cost estimated again while the call waits at the head of the line:
     *                 called under the line's lock, so it must be quick and must not call back; if it
     *                 throws, the cost stays
     * @return a future completed with the permit; cancelling it gives up the place in line
     */
    public CompletableFuture<Permit> acquire(Cost cost, Priority priority, Instant deadline, Supplier<Cost> recost,
                                             long callId, int attempt) {
        int slot;
        if (fastPath()) {
            slot = takeSlot();
        } else {
            synchronized (this) {
                slot = waitingAtOrAbove(priority) ? NO_SLOT : takeSlot();
            }
        }
        if (slot != NO_SLOT) {
            ReserveResult result = state.reserve(cost, callId, attempt);
            if (result instanceof Reservation reservation) {
                LinePermit permit = new LinePermit(this, reservation, slot == COUNTED, 0, callId, attempt);
                notifyAdmitted(permit, priority);
                return CompletableFuture.completedFuture(permit);
            }
            giveBackSlotQuietly(slot);
            if (((Refusal) result).kind() == Refusal.Kind.NEVER) {
                drain();
                return CompletableFuture.failedFuture(tooLarge((Refusal) result));
            }
        }
        Cost ahead;
        synchronized (this) {
            ahead = queuedAtOrAbove(priority);
        }
        Refusal estimate = state.estimate(cost, ahead);
        if (estimate != null && estimate.kind() == Refusal.Kind.NEVER) {
            drain();
            return CompletableFuture.failedFuture(tooLarge(estimate));
        }
        long wait = estimate == null ? 0 : Math.min(estimate.waitNanos(), FAR_FUTURE);
        long now = clock.nanoTime();
        long deadlineNanos = deadline == null ? FAR_FUTURE : clock.toNanoTime(deadline);
        if (now + wait > deadlineNanos) {
            drain();
            return CompletableFuture.failedFuture(new QuotaWaitExceeded(key, estimate.dimension(), Duration.ofNanos(wait), deadline));
        }
        Waiter waiter = new Waiter(cost, priority, now, deadline, deadlineNanos, recost, callId, attempt);
        int lineLength;
        synchronized (this) {
            lines[priority.ordinal()].addLast(waiter);
            addQueued(priority, cost, 1);
            lineLength = queued;
        }
        waiter.future.whenComplete((permit, error) -> {
            if (waiter.future.isCancelled()) {
                withdraw(waiter);
            }
        });
        if (deadline != null) {
            waiter.deadlineTask = scheduler.schedule(() -> expire(waiter),
                    Duration.ofNanos(Math.max(0, deadlineNanos - clock.nanoTime())));
        }
        Duration estimated = Duration.ofNanos(wait);
        Listeners.notifySafely(() -> listener.onQueued(callId, attempt, key, cost, priority, lineLength, estimated));
        drain();
        return waiter.future;
    }

    // ---------------------------------------------------------------- provider feedback

    /** Holds one dimension (or the whole key when null) until {@code until}. */
    public void pause(Dimension dimension, Instant until, long callId, int attempt) {
        state.pause(dimension, until, callId, attempt);
        drain();
    }

    /** Sets (or changes) the limit of one dimension. */
    public void setLimit(Dimension dimension, Limit limit) {
        state.setLimit(dimension, limit);
        drain();
    }

    /** Corrects the state from a provider snapshot not tied to a particular call. */
    public void calibrate(RateLimitSnapshot snapshot) {
        state.calibrate(snapshot, null);
        drain();
    }

    /** The provider refused attempt {@code attempt} of call {@code callId} for quota although the state let it through. */
    public void rateLimited(long callId, int attempt) {
        state.rateLimited(callId, attempt);
    }

    /** A consistent view of the key now. */
    public QuotaView view() {
        QuotaState.View stateView = state.view();
        synchronized (this) {
            int calls = unbounded ? stateView.inFlight() : inFlight;
            java.util.EnumMap<Priority, Integer> byPriority = new java.util.EnumMap<>(Priority.class);
            for (Priority p : Priority.values()) {
                byPriority.put(p, lines[p.ordinal()].size());
            }
            return new QuotaView(key, stateView.dimensions(), calls, concurrency.limit(), queued, stateView.pausedUntil(),
                    java.util.Collections.unmodifiableMap(byPriority));
        }
    }

    // ---------------------------------------------------------------- permits (called by LinePermit)

    void calibrated(Reservation reservation, RateLimitSnapshot snapshot) {
        state.calibrate(snapshot, reservation);
        drain();
    }

    void ended(LinePermit permit, Cost actual, RateLimitSnapshot snapshot) {
        state.settle(permit.reservation, actual, snapshot);
        if (adaptive) {
            synchronized (this) {
                int left = (int) IN_FLIGHT.getAndAdd(this, -1) - 1;
                concurrency.onSignal(permit.signal, left + 1);
            }
        } else if (permit.slotted) {
            IN_FLIGHT.getAndAdd(this, -1);
        }
        if (cold) {
            cold = false;
        }
        if (queued > 0) {
            drain();
        }
    }

    // ---------------------------------------------------------------- the line

    /**
     * Admits every head that fits, fails a head whose deadline can no longer be met, and schedules
     * one wake-up for when the new head will fit. Completes futures outside the lock.
     */
    private void drain() {
        synchronized (this) {
            if (draining) {
                drainAgain = true;
                return;
            }
            draining = true;
            drainAgain = false;
        }
        List<Object> done = null;
        while (true) {
            Waiter head;
            Cost cost;
            int slot;
            synchronized (this) {
                head = head();
                while (head != null && head.future.isDone()) {
                    removeWaiter(head);
                    head = head();
                }
                if (head != null) {
                    recost(head);
                }
                slot = head == null ? NO_SLOT : takeSlot();
                if (slot == NO_SLOT) {
                    if (drainAgain) {
                        drainAgain = false;
                        continue;
                    }
                    draining = false;
                    break;
                }
                cost = head.cost;
            }
            ReserveResult result = state.reserve(cost, head.callId, head.attempt);
            Reservation orphan = null;
            synchronized (this) {
                if (result instanceof Reservation reservation) {
                    if (head.removed) {
                        giveBackSlotQuietly(slot);
                        orphan = reservation; // withdrawn or expired meanwhile
                    } else {
                        removeWaiter(head);
                        long waited = clock.nanoTime() - head.enqueuedAt;
                        done = add(done, head, new LinePermit(this, reservation, slot == COUNTED, waited, head.callId, head.attempt));
                    }
                } else {
                    giveBackSlotQuietly(slot);
                    Refusal refusal = (Refusal) result;
                    if (refusal.kind() == Refusal.Kind.NEVER) {
                        removeWaiter(head);
                        done = add(done, head, tooLarge(refusal));
                        continue;
                    }
                    long now = clock.nanoTime();
                    long wait = refusal.kind() == Refusal.Kind.WAIT ? refusal.waitNanos() : 0;
                    if (head.deadline != null && now + wait > head.deadlineNanos) {
                        removeWaiter(head);
                        done = add(done, head, new QuotaWaitExceeded(key, refusal.dimension(),
                                Duration.ofNanos(Math.min(wait, FAR_FUTURE)), head.deadline));
                        continue;
                    }
                    if (wait > 0) {
                        scheduleWake(now, Math.max(MIN_WAKE_NANOS, wait));
                    }
                    if (drainAgain) {
                        drainAgain = false;
                        continue;
                    }
                    draining = false;
                    break;
                }
            }
            if (orphan != null) {
                state.release(orphan);
            }
        }
        if (done != null) {
            complete(done);
        }
    }

    /**
     * Whether a new call may skip the lock: nobody waits, the cold start is over and the concurrency
     * limit is fixed, so a slot is a CAS on {@code inFlight} and the order of the line cannot be passed.
     * A call that takes a slot while a waiter is being added is simply one of two concurrent arrivals.
     */
    private boolean fastPath() {
        return queued == 0 && !cold && !adaptive;
    }

    /**
     * Takes a concurrency slot if one is free (and the cold start allows another call). Under the lock,
     * or on the fast path; a drain that finds no slot is told to go round again by whoever frees one
     * (every slot freed while calls wait is followed by a drain).
     */
    private int takeSlot() {
        if (unbounded && !cold) {
            return UNCOUNTED;
        }
        int limit = concurrency.limit();
        while (true) {
            int n = inFlight;
            if (n >= limit) {
                return NO_SLOT;
            }
            if (cold && n >= coldStartConcurrency) {
                if (!state.limitsKnown()) {
                    return NO_SLOT;
                }
                cold = false;
            }
            if (IN_FLIGHT.compareAndSet(this, n, n + 1)) {
                return COUNTED;
            }
        }
    }

    private void giveBackSlot(int slot) {
        giveBackSlotQuietly(slot);
        if (queued > 0) {
            drain(); // a drain may have found no slot while this call held one for a moment
        }
    }

    private void giveBackSlotQuietly(int slot) {
        if (slot == COUNTED) {
            IN_FLIGHT.getAndAdd(this, -1);
        }
    }

    private boolean waitingAtOrAbove(Priority priority) {
        for (int p = 0; p <= priority.ordinal(); p++) {
            if (!lines[p].isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private Cost queuedAtOrAbove(Priority priority) {
        Cost sum = Cost.ZERO;
        for (int p = 0; p <= priority.ordinal(); p++) {
            if (!lines[p].isEmpty()) {
                sum = sum == Cost.ZERO ? queuedCost[p] : sum.plus(queuedCost[p]);
            }
        }
        return sum;
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
        int p = priority.ordinal();
        queuedCost[p] = sign > 0 ? queuedCost[p].plus(cost) : queuedCost[p].minus(cost);
        queued += sign;
        state.waiting(queued);
    }

    /** Lock held: re-estimates the head's cost. */
    private void recost(Waiter head) {
        if (head.recost == null) {
            return;
        }
        Cost fresh;
        try {
            fresh = head.recost.get();
        } catch (RuntimeException e) {
            return;
        }
        if (fresh == null || fresh.equals(head.cost)) {
            return;
        }
        addQueued(head.priority, head.cost, -1);
        head.cost = fresh;
        addQueued(head.priority, fresh, 1);
    }

    private void removeWaiter(Waiter waiter) {
        if (!waiter.removed) {
            waiter.removed = true;
            lines[waiter.priority.ordinal()].remove(waiter);
            addQueued(waiter.priority, waiter.cost, -1);
        }
    }

    private CapacityExceeded tooLarge(Refusal refusal) {
        return new CapacityExceeded(key, refusal.dimension(), refusal.amount(), refusal.capacity());
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
            if (result instanceof LinePermit permit) {
                if (!waiter.future.complete(permit)) {
                    permit.release(); // cancelled in the meantime: give everything back
                } else {
                    notifyAdmitted(permit, waiter.priority);
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
            drain();
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
        drain();
    }

    private void expire(Waiter waiter) {
        boolean removed;
        synchronized (this) {
            removed = !waiter.removed;
            removeWaiter(waiter);
        }
        if (removed) {
            Refusal why = state.estimate(waiter.cost, Cost.ZERO);
            waiter.future.completeExceptionally(new QuotaWaitExceeded(key, why == null ? null : why.dimension(),
                    Duration.ofNanos(clock.nanoTime() - waiter.enqueuedAt), waiter.deadline));
            drain();
        }
    }

    private void notifyAdmitted(LinePermit permit, Priority priority) {
        if (listener != QuotaListener.NONE) {
            Listeners.notifySafely(() -> listener.onAdmitted(permit.callId, permit.attempt, key, permit.reserved(), priority,
                    permit.waited()));
        }
    }

    @Override
    public String toString() {
        return "AdmissionLine[" + key + "]";
    }

    private static final class Waiter {
        Cost cost;      // guarded by the line's lock; re-estimated at the head of the line
        boolean removed; // guarded by the line's lock
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
            this.cost = cost;
            this.priority = priority;
            this.enqueuedAt = enqueuedAt;
            this.deadline = deadline;
            this.deadlineNanos = deadlineNanos;
            this.recost = recost;
            this.callId = callId;
            this.attempt = attempt;
        }
    }
}
