package dev.pacer.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of an {@link InMemoryQuotaState}: a test-and-test-and-set spin lock that spins, then
 * yields, then parks for a microsecond at a time. Not reentrant.
 *
 * <p>Why not {@code synchronized} or a {@code ReentrantLock}: every critical section of the state is a
 * few tens of nanoseconds of arithmetic with no I/O and no callback, so a waiter is better off spinning
 * for it than being parked and woken, which costs microseconds. With two threads on one key,
 * {@code LimiterBenchmark.pacer_3d_reserveSettle_2threads} measured 560-710 ns per reserve and settle
 * with a monitor (which contention inflates) and 170-250 ns with this lock; the single-threaded figure
 * did not get worse. A ticket lock (fair) was tried and measured ten times slower on this 2-core machine:
 * a waiter whose turn comes while it is descheduled holds up everyone behind it.
 *
 * <p>Not fair: the order of the calls is the admission line's (its own FIFO lines), never the order in
 * which threads take this lock. A waiter that keeps losing falls back to parking, so the threads that
 * hold the CPU go on.
 */
final class StateLock {

    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long PARK_NANOS = 1_000;
    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(StateLock.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int held;

    void lock() {
        if (!HELD.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    void unlock() {
        HELD.setRelease(this, 0);
    }

    private void contended() {
        for (int tries = 0; ; tries++) {
            // Read before the CAS: waiters spin on their cached copy, not on the bus.
            if (held == 0 && HELD.compareAndSet(this, 0, 1)) {
                return;
            }
            if (tries < SPINS) {
                Thread.onSpinWait();
            } else if (tries < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }
    }
}
