package dev.pacer.quota;

import dev.pacer.concurrency.ConcurrencySignal;
import java.time.Duration;

/** A permit of a {@link QuotaBucket}; its mutable fields are guarded by the bucket's lock. */
final class PermitImpl implements Permit {

    final QuotaBucket bucket;
    final Cost cost;
    /** When it was admitted, on the bucket's clock (read under the lock). */
    final long admittedNanos;
    private final long waitedNanos;
    boolean done;
    long sentSeq;
    ConcurrencySignal signal = ConcurrencySignal.IGNORE;
    PermitImpl prev;
    PermitImpl next;

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
        bucket.signal(this, signal);
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
        synchronized (bucket) {
            return !done;
        }
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
