package dev.pacer.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of an {@link InMemoryQuotaState}: a test-and-test-and-set spin lock that spins, then
 * yields, then parks, from a microsecond up to {@value #MAX_PARK_NANOS} ns at a time. Not reentrant, not
 * interruptible (an interrupt is kept for the caller, as {@code synchronized} keeps it).
 *
 * <p>Why not {@code synchronized} or a {@code ReentrantLock}: the state's critical sections are
 * arithmetic on a few dimensions (on the hot path, tens of nanoseconds), with walks of the calls in flight
 * only at calibration and while a head waits for pacing by generation, and never I/O or a listener, so a
 * waiter is better off spinning for it than being parked and woken, which costs microseconds. With two threads on one key,
 * {@code LimiterBenchmark.pacer_3d_reserveSettle_2threads} measured 560-710 ns per reserve and settle
 * with a monitor (which contention inflates) and 170-250 ns with this lock; the single-threaded figure
 * did not get worse. A ticket lock (fair) was tried and measured ten times slower on this 2-core machine:
 * a waiter whose turn comes while it is descheduled holds up everyone behind it.
 *
 * <p>Public only for the regression tests in {@code dev.pacer.issues}; internal, not API.
 *
 * <p>Not fair: the order of the calls is the admission line's (its own FIFO lines), never the order in
 * which threads take this lock. A waiter that keeps losing falls back to parking, so the threads that
 * hold the CPU go on.
 */
public final class StateLock {

    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long MIN_PARK_NANOS = 1_000;
    private static final long MAX_PARK_NANOS = 100_000;
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(StateLock.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int held;

    public void lock() {
        if (!HELD.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    public void unlock() {
        HELD.setRelease(this, 0);
    }

    private void contended() {
        boolean interrupted = false;
        long park = MIN_PARK_NANOS;
        for (int tries = 0; ; tries++) {
            // Read before the CAS: waiters spin on their cached copy, not on the bus.
            if (held == 0 && HELD.compareAndSet(this, 0, 1)) {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            if (tries < SPINS) {
                Thread.onSpinWait();
            } else if (tries < SPINS + YIELDS) {
                Thread.yield();
            } else {
                // parkNanos returns at once while the interrupt flag is set: hold the flag until the lock is taken.
                interrupted |= Thread.interrupted();
                LockSupport.parkNanos(park);
                park = Math.min(MAX_PARK_NANOS, park * 2);
            }
        }
    }
}
