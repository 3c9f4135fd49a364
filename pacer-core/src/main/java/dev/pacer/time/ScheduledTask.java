package dev.pacer.time;

/** A task scheduled on a {@link PacerScheduler}. */
public interface ScheduledTask {

    /**
     * Cancels the task if it has not run yet.
     *
     * @return true if this call prevented the task from running
     */
    boolean cancel();
}
