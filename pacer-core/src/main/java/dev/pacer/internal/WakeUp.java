package dev.pacer.internal;

import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.time.Duration;

/**
 * The one scheduled wake-up of an {@link AdmissionLine}: when its head will fit, the line is drained
 * again. Asking for an earlier instant moves it earlier; a later one changes nothing, since the drain
 * then schedules what it finds. Guarded by the line's lock.
 */
final class WakeUp {

    private final Object lock;
    private final PacerScheduler scheduler;
    private final Runnable drain;
    private ScheduledTask task;
    private long at;

    WakeUp(Object lock, PacerScheduler scheduler, Runnable drain) {
        this.lock = lock;
        this.scheduler = scheduler;
        this.drain = drain;
    }

    /** Lock held: wakes the line {@code delay} nanoseconds after {@code now}, unless it wakes sooner already. */
    void schedule(long now, long delay) {
        long when = now + delay;
        if (task != null && at <= when) {
            return;
        }
        if (task != null) {
            task.cancel();
        }
        at = when;
        ScheduledTask[] holder = new ScheduledTask[1];
        holder[0] = scheduler.schedule(() -> {
            synchronized (lock) {
                if (task == holder[0]) {
                    task = null;
                }
            }
            drain.run();
        }, Duration.ofNanos(delay));
        task = holder[0];
    }
}
