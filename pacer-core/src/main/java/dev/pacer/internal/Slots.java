package dev.pacer.internal;

import dev.pacer.concurrency.AimdLimit;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.concurrency.ConcurrencySignal;
import dev.pacer.spi.QuotaState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The concurrency slots of one {@link AdmissionLine} and its cold start.
 *
 * <p>{@code inFlight} counts the permits holding a slot plus the calls being reserved; it changes only
 * by CAS, so a call on the fast path (fixed limit, nobody waiting) takes a slot without the line's lock.
 * With no limit ({@link #unbounded}) nothing is counted once the cold start is over: concurrent calls on
 * such a key then share no counter at all, and the view reads the state's own count. An adaptive limit
 * changes only under the line's lock ({@link #take} is called under it, {@link #endAdaptive} too).
 *
 * <p>Cold start: until the first call ends or a limit is known, only {@code coldStartConcurrency} calls
 * go: with nothing known of the provider's limits, a burst would all go at once and most would be refused.
 */
final class Slots {

    /** What {@link #take} answers: no slot free; a slot counted in {@code inFlight}; admitted with nothing to count. */
    static final int NONE = 0, COUNTED = 1, UNCOUNTED = 2;

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(Slots.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final QuotaState state;
    private final ConcurrencyLimit.State concurrency;
    private final int coldStartConcurrency;
    final boolean adaptive;
    private final boolean unbounded;
    private volatile int inFlight;
    private volatile boolean cold = true;

    Slots(QuotaState state, ConcurrencyLimit concurrency, int coldStartConcurrency) {
        this.state = state;
        this.concurrency = concurrency.newState();
        this.coldStartConcurrency = coldStartConcurrency;
        this.adaptive = concurrency instanceof AimdLimit;
        this.unbounded = !adaptive && this.concurrency.limit() == Integer.MAX_VALUE;
    }

    /** Whether a slot can be taken without the line's lock: the cold start is over and the limit is fixed. */
    boolean lockFree() {
        return !cold && !adaptive;
    }

    /**
     * Takes a slot if one is free and the cold start allows another call. Under the line's lock, or on the
     * fast path; a drain that finds no slot is told to go round again by whoever frees one.
     */
    int take() {
        if (unbounded && !cold) {
            return UNCOUNTED;
        }
        int limit = concurrency.limit();
        while (true) {
            int n = inFlight;
            if (n >= limit) {
                return NONE;
            }
            if (cold && n >= coldStartConcurrency) {
                if (!state.limitsKnown()) {
                    return NONE;
                }
                cold = false;
            }
            if (IN_FLIGHT.compareAndSet(this, n, n + 1)) {
                return COUNTED;
            }
        }
    }

    /** Gives back what {@link #take} answered. */
    void giveBack(int slot) {
        if (slot == COUNTED) {
            IN_FLIGHT.getAndAdd(this, -1);
        }
    }

    /** A permit ended: gives back its slot if it held one, and ends the cold start. */
    void ended(boolean slotted) {
        if (slotted) {
            IN_FLIGHT.getAndAdd(this, -1);
        }
        if (cold) {
            cold = false;
        }
    }

    /** Line's lock held: a permit of an adaptive limit ended with {@code signal}. */
    void endAdaptive(ConcurrencySignal signal) {
        int left = (int) IN_FLIGHT.getAndAdd(this, -1) - 1;
        concurrency.onSignal(signal, left + 1);
        cold = false;
    }

    /** Line's lock held: the calls in flight, given the state's count of its reservations. */
    int inFlight(int reserved) {
        return unbounded ? reserved : inFlight;
    }

    /** Line's lock held: the current limit. */
    int limit() {
        return concurrency.limit();
    }
}
