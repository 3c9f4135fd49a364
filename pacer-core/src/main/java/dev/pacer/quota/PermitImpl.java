package dev.pacer.quota;

import dev.pacer.concurrency.ConcurrencySignal;
import java.time.Duration;

/**
 * A permit of a {@link QuotaBucket}. Its mutable fields are written under the bucket's lock, except
 * {@code signal}, which the caller writes before it ends the permit (the lock taken then publishes
 * it); {@code done} is volatile so that {@link #isOpen()} needs no lock.
 */
final class PermitImpl implements Permit {

    final QuotaBucket bucket;
    final Cost cost;
    /** When it was admitted, on the bucket's clock (read under the lock). */
    final long admittedNanos;
    private final long waitedNanos;
    private volatile boolean done;
    long sentSeq;
    volatile ConcurrencySignal signal = ConcurrencySignal.IGNORE;
    PermitImpl prev;
    PermitImpl next;

    /** The call and attempt it admits (0 when admitted outside the engine), for events. */
    final long callId;
    final int attempt;

    PermitImpl(QuotaBucket bucket, Cost cost, long admittedNanos, long waitedNanos, long callId, int attempt) {
        this.callId = callId;
        this.attempt = attempt;
        this.bucket = bucket;
        this.cost = cost;
        this.admittedNanos = admittedNanos;
        this.waitedNanos = waitedNanos;
    }

    @Override
    public QuotaKey key() {
        return bucket.key();
    }

    @Override
    public Cost reserved() {
        return cost;
    }

    @Override
    public Duration waited() {
        return Duration.ofNanos(waitedNanos);
    }

    @Override
    public void sent() {
        bucket.markSent(this);
    }

    @Override
    public void calibrate(RateLimitSnapshot snapshot) {
        bucket.calibrateFrom(this, snapshot);
    }

    @Override
    public void signal(ConcurrencySignal signal) {
        this.signal = signal;
    }

    @Override
    public void settle(Cost actual) {
        bucket.settle(this, actual);
    }

    @Override
    public void settle(Cost actual, RateLimitSnapshot snapshot) {
        if (snapshot == null) {
            bucket.settle(this, actual);
        } else {
            bucket.settle(this, actual, snapshot);
        }
    }

    @Override
    public void release() {
        bucket.settle(this, Cost.ZERO);
    }

    @Override
    public boolean isOpen() {
        return !done;
    }

    /** Ends the permit (under the bucket's lock); false if it had already ended. */
    boolean end() {
        if (done) {
            return false;
        }
        done = true;
        return true;
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Permit[" + bucket.key() + " " + cost + "]";
    }
}
