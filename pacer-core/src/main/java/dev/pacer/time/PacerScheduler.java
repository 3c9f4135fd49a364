package dev.pacer.time;

import java.time.Duration;

/**
 * The only way pacing logic waits: a task runs once after a delay. Waiting callers are never
 * parked on a thread; their futures are completed by a scheduled task at the computed instant.
 */
public interface PacerScheduler {

    /**
     * Runs {@code task} once, {@code delay} from now (at once if the delay is zero or negative).
     * Tasks must be short: they complete futures and hand real work to an executor.
     */
    ScheduledTask schedule(Runnable task, Duration delay);

    /**
     * A shared scheduler backed by one daemon thread. Its tasks only complete futures and enqueue
     * work, so one thread serves any number of waiting calls.
     */
    static PacerScheduler system() {
        return SystemScheduler.INSTANCE;
    }
}
