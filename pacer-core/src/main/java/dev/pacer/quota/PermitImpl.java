package dev.pacer.quota;

import dev.pacer.concurrency.ConcurrencySignal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A permit of a {@link QuotaBucket}. {@code done} is set once, by compare-and-set, by whoever ends
 * the permit; {@code signal} is written by the caller before it ends the permit; the other
 * mutable fields are guarded by the bucket's lock.
 */
final class PermitImpl implements Permit {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(PermitImpl.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
    /** What it really cost, and the next permit on the bucket's stack of settlements not yet absorbed. */
    Cost actual;
    PermitImpl nextSettled;

    PermitImpl(QuotaBucket bucket, Cost cost, long admittedNanos, long waitedNanos) {
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

    /** Ends the permit; true for the one caller that did, false if it had already ended. */
    boolean end() {
        return DONE.compareAndSet(this, false, true);
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
