package dev.pacer.internal;

import dev.pacer.concurrency.ConcurrencySignal;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Permit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.Reservation;
import java.time.Duration;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A permit of an {@link AdmissionLine}: the store's {@link Reservation} and a concurrency slot. The
 * engine also tells it when the request left ({@link #sent()}), feeds a stream's snapshot
 * ({@link #calibrate}) and how the call went for an adaptive limit ({@link #signal}), which the
 * caller writes before it ends the permit (the line's lock taken then publishes it).
 */
public final class LinePermit implements Permit {

    private final AdmissionLine line;
    final Reservation reservation;
    /** Whether it holds a slot counted in the line's {@code inFlight}. */
    final boolean slotted;
    final long callId;
    final int attempt;
    private final long waitedNanos;
    private volatile boolean ended;
    /** Null until {@link #signal} is called: IGNORE (an initial value would be a volatile write, a fence, in every permit's constructor). */
    private volatile ConcurrencySignal signal;

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(LinePermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    LinePermit(AdmissionLine line, Reservation reservation, boolean slotted, long waitedNanos, long callId, int attempt) {
        this.line = line;
        this.reservation = reservation;
        this.slotted = slotted;
        this.waitedNanos = waitedNanos;
        this.callId = callId;
        this.attempt = attempt;
    }

    @Override
    public QuotaKey key() {
        return line.key();
    }

    @Override
    public Cost reserved() {
        return reservation.cost();
    }

    @Override
    public Duration waited() {
        return Duration.ofNanos(waitedNanos);
    }

    /**
     * Marks the moment the request left for the provider. Calibration uses it: a provider's
     * {@code remaining} cannot yet count requests sent after the one whose response carried it.
     */
    public void sent() {
        if (!ended) {
            line.state().sent(reservation);
        }
    }

    /**
     * Feeds the provider's view carried by this call's response: while the permit is open for a stream
     * whose headers arrived, or after {@link #settle(Cost)} (then {@link #settle(Cost, RateLimitSnapshot)}
     * does both in one step).
     */
    public void calibrate(RateLimitSnapshot snapshot) {
        line.calibrated(reservation, snapshot);
    }

    /** Records how the call went, for an adaptive concurrency limit (default IGNORE). */
    public void signal(ConcurrencySignal signal) {
        this.signal = signal;
    }

    /** How the call went, as last {@linkplain #signal(ConcurrencySignal) signalled}. */
    ConcurrencySignal signalled() {
        ConcurrencySignal s = signal;
        return s == null ? ConcurrencySignal.IGNORE : s;
    }

    @Override
    public void settle(Cost actual) {
        settle(actual, null);
    }

    @Override
    public void settle(Cost actual, RateLimitSnapshot snapshot) {
        if (slotted || line.adaptive) {
            if (ENDED.compareAndSet(this, false, true)) {
                line.ended(this, actual, snapshot);
            }
        } else if (!ended) {
            // No slot to give back: ending twice at once is harmless (the state settles a reservation once),
            // so the flag needs no CAS, only to be seen by isOpen and sent.
            ENDED.setRelease(this, true);
            line.ended(this, actual, snapshot);
        }
    }

    @Override
    public void release() {
        settle(Cost.ZERO, null);
    }

    @Override
    public boolean isOpen() {
        return !ended;
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Permit[" + line.key() + " " + reservation.cost() + "]";
    }
}
