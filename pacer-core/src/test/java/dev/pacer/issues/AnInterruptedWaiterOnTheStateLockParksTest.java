package dev.pacer.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.internal.StateLock;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

/**
 * Found in review (issue 11): {@link StateLock} parked with {@code parkNanos}, which returns at once while the
 * thread's interrupt flag is set, so an interrupted waiter spun at full CPU for as long as the lock was held.
 * Now the flag is held aside while it waits (it parks) and set again once the lock is taken.
 */
class AnInterruptedWaiterOnTheStateLockParksTest {

    @Test
    void anInterruptedWaiterParksWhileTheLockIsHeldThenTakesItAndKeepsItsInterrupt() throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StateLock lock = new StateLock();
        lock.lock();
        long[] cpuWhileWaiting = new long[1];
        boolean[] interruptedAfter = new boolean[1];
        Thread waiter = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            long before = threads.getCurrentThreadCpuTime();
            lock.lock();
            cpuWhileWaiting[0] = threads.getCurrentThreadCpuTime() - before;
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
            lock.unlock();
        });
        long heldNanos = 400_000_000L;
        Thread.sleep(heldNanos / 1_000_000); // the lock is held this long while the waiter waits
        assertThat(waiter.isAlive()).as("still waiting: the lock is held").isTrue();
        lock.unlock();
        waiter.join(10_000);
        assertThat(waiter.isAlive()).as("the waiter took the freed lock").isFalse();
        assertThat(interruptedAfter[0]).as("the interrupt is kept for the caller").isTrue();
        // Spinning, the waiter would have used the CPU for most of the time it waited; parked, a few percent.
        assertThat(cpuWhileWaiting[0]).as("CPU time of the waiter, ns").isLessThan(heldNanos * 4 / 10);
    }
}
