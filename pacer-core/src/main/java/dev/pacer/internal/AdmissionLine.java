package dev.pacer.internal;

import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
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
import java.time.Duration;
import java.time.Instant;
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
 * Until the first call ends or a limit is known, only {@code coldStartConcurrency} calls go (see {@link Slots}).
 *
 * <h2>Collaborators</h2>
 * {@link WaitingLines} holds the waiters by class with their costs, {@link Slots} the concurrency slots
 * and the cold start; both are guarded by this object's lock (the slots' fast path aside). What stays
 * here is what needs the lock and the state together: the fast path, the drain protocol, deadlines and
 * the one wake-up ({@link WakeUp}); what a drain decided is carried out after it ({@link Decisions}).
 *
 * <h2>Invariants</h2>
 * Under the lock: the lines hold exactly the waiters not yet admitted, failed or withdrawn. Every slot
 * given back while calls wait is followed by a drain. Futures are completed and listeners called outside
 * the lock.
 */
public final class AdmissionLine {

    private static final long MIN_WAKE_NANOS = 1_000;
    private static final long FAR_FUTURE = DimensionLevels.FAR_FUTURE;

    private final QuotaKey key;
    private final QuotaState state;
    private final PacerClock clock;
    private final PacerScheduler scheduler;
    private final QuotaListener listener;
    /** Whether the concurrency limit adapts (then a permit's end takes the lock). */
    final boolean adaptive;

    // Guarded by "this" (the slots' fast path aside: see Slots).
    private final Slots slots;
    private final WaitingLines lines;
    private boolean draining;
    private boolean drainAgain;
    private final WakeUp wakeUp;

    public AdmissionLine(QuotaKey key, QuotaState state, PacerClock clock, PacerScheduler scheduler, QuotaListener listener,
                         ConcurrencyLimit concurrency, int coldStartConcurrency) {
        this.key = key;
        this.state = state;
        this.clock = clock;
        this.scheduler = scheduler;
        this.listener = listener;
        this.slots = new Slots(state, concurrency, coldStartConcurrency);
        this.adaptive = slots.adaptive;
        this.lines = new WaitingLines(state);
        this.wakeUp = new WakeUp(this, scheduler, this::drain);
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
            slot = slots.take();
        } else {
            synchronized (this) {
                slot = lines.size() > 0 ? Slots.NONE : slots.take();
            }
        }
        if (slot == Slots.NONE) {
            Refusal estimate = state.estimate(cost, Cost.ZERO);
            if (estimate != null && estimate.kind() == Refusal.Kind.NEVER) {
                throw tooLarge(estimate);
            }
            return null;
        }
        ReserveResult result = state.reserve(cost, Priority.NORMAL, 0, 0);
        if (result instanceof Reservation reservation) {
            LinePermit permit = new LinePermit(this, reservation, slot == Slots.COUNTED, 0, 0, 0);
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
            slot = slots.take();
        } else {
            synchronized (this) {
                slot = lines.anyAtOrAbove(priority) ? Slots.NONE : slots.take();
            }
        }
        if (slot != Slots.NONE) {
            ReserveResult result = state.reserve(cost, priority, callId, attempt);
            if (result instanceof Reservation reservation) {
                LinePermit permit = new LinePermit(this, reservation, slot == Slots.COUNTED, 0, callId, attempt);
                notifyAdmitted(permit, priority);
                return CompletableFuture.completedFuture(permit);
            }
            slots.giveBack(slot);
            if (((Refusal) result).kind() == Refusal.Kind.NEVER) {
                drain();
                return CompletableFuture.failedFuture(tooLarge((Refusal) result));
            }
        }
        Cost ahead;
        synchronized (this) {
            ahead = lines.costAtOrAbove(priority);
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
            lines.add(waiter);
            lineLength = lines.size();
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
            java.util.EnumMap<Priority, Integer> byPriority = new java.util.EnumMap<>(Priority.class);
            for (Priority p : Priority.values()) {
                byPriority.put(p, lines.size(p));
            }
            return new QuotaView(key, stateView.dimensions(), slots.inFlight(stateView.inFlight()), slots.limit(), lines.size(),
                    stateView.pausedUntil(), java.util.Collections.unmodifiableMap(byPriority));
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
                slots.endAdaptive(permit.signalled());
            }
        } else {
            slots.ended(permit.slotted);
        }
        if (lines.size() > 0) {
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
        Decisions done = null;
        while (true) {
            Waiter head;
            Cost cost;
            int slot;
            synchronized (this) {
                head = lines.head();
                while (head != null && head.future.isDone()) {
                    lines.remove(head);
                    head = lines.head();
                }
                if (head != null) {
                    lines.recost(head);
                }
                slot = head == null ? Slots.NONE : slots.take();
                if (slot == Slots.NONE) {
                    if (drainAgain) {
                        drainAgain = false;
                        continue;
                    }
                    draining = false;
                    break;
                }
                cost = head.cost;
            }
            ReserveResult result = state.reserve(cost, head.priority, head.callId, head.attempt);
            Reservation orphan = null;
            synchronized (this) {
                if (result instanceof Reservation reservation) {
                    if (head.removed) {
                        slots.giveBack(slot);
                        orphan = reservation; // withdrawn or expired meanwhile
                    } else {
                        lines.remove(head);
                        long waited = clock.nanoTime() - head.enqueuedAt;
                        done = Decisions.add(done, head, new LinePermit(this, reservation, slot == Slots.COUNTED, waited, head.callId, head.attempt));
                    }
                } else {
                    slots.giveBack(slot);
                    Refusal refusal = (Refusal) result;
                    if (refusal.kind() == Refusal.Kind.NEVER) {
                        lines.remove(head);
                        done = Decisions.add(done, head, tooLarge(refusal));
                        continue;
                    }
                    long now = clock.nanoTime();
                    long wait = refusal.kind() == Refusal.Kind.WAIT ? refusal.waitNanos() : 0;
                    if (head.deadline != null && now + wait > head.deadlineNanos) {
                        lines.remove(head);
                        done = Decisions.add(done, head, new QuotaWaitExceeded(key, refusal.dimension(),
                                Duration.ofNanos(Math.min(wait, FAR_FUTURE)), head.deadline));
                        continue;
                    }
                    if (wait > 0) {
                        wakeUp.schedule(now, Math.max(MIN_WAKE_NANOS, wait));
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
            done.carryOut(this::notifyAdmitted);
        }
    }

    /**
     * Whether a new call may skip the lock: nobody waits, the cold start is over and the concurrency
     * limit is fixed, so the order of the line cannot be passed (see {@link Slots}). A call that takes a
     * slot while a waiter is being added is simply one of two concurrent arrivals.
     */
    private boolean fastPath() {
        return lines.size() == 0 && slots.lockFree();
    }

    private void giveBackSlot(int slot) {
        slots.giveBack(slot);
        if (lines.size() > 0) {
            drain(); // a drain may have found no slot while this call held one for a moment
        }
    }

    private CapacityExceeded tooLarge(Refusal refusal) {
        return new CapacityExceeded(key, refusal.dimension(), refusal.amount(), refusal.capacity());
    }

    private void withdraw(Waiter waiter) {
        synchronized (this) {
            lines.remove(waiter);
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
            lines.remove(waiter);
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
}
