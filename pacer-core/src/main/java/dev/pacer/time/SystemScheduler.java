package dev.pacer.time;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The shared real-time scheduler: one daemon thread, cancelled tasks removed at once so that
 * cancelled wake-ups do not pile up.
 */
final class SystemScheduler implements PacerScheduler {

    static final SystemScheduler INSTANCE = new SystemScheduler();

    private final ScheduledExecutorService executor;

    private SystemScheduler() {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "pacer-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        pool.setRemoveOnCancelPolicy(true);
        this.executor = Executors.unconfigurableScheduledExecutorService(pool);
    }

    @Override
    public ScheduledTask schedule(Runnable task, Duration delay) {
        long nanos = Math.max(0, saturatedNanos(delay));
        ScheduledFuture<?> future = executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                // A task that throws must not kill the only scheduler thread.
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
            }
        }, nanos, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    private static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException overflow) {
            return delay.isNegative() ? 0 : Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "PacerScheduler.system()";
    }
}
