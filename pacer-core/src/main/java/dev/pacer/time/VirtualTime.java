package dev.pacer.time;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A clock and scheduler that only move when told to, for deterministic tests of pacing logic
 * (ours and our users'). {@link #advance(Duration)} runs every task that falls due, in time order
 * (ties in scheduling order), on the calling thread, including tasks scheduled by those tasks.
 *
 * <p>Thread-safe: other threads may schedule and read time while one thread advances it.
 */
public final class VirtualTime implements PacerClock, PacerScheduler {

    private final Instant origin;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long nanos;
    private long sequence;

    /** Starts at {@code 2026-01-01T00:00:00Z}. */
    public VirtualTime() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** Starts at the given wall-clock instant. */
    public VirtualTime(Instant origin) {
        this.origin = origin;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant instant() {
        return origin.plusNanos(nanos);
    }

    @Override
    public ScheduledTask schedule(Runnable task, Duration delay) {
        Task scheduled;
        synchronized (this) {
            long due = nanos + Math.max(0, saturatedNanos(delay));
            scheduled = new Task(due, sequence++, task);
            tasks.add(scheduled);
        }
        return scheduled;
    }

    /** Moves time forward by {@code duration}, running every task that falls due on the way. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("VirtualTime cannot go backwards; advance by a positive duration, not " + duration);
        }
        long target;
        synchronized (this) {
            target = nanos + saturatedNanos(duration);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    nanos = Math.max(nanos, target);
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.due);
            }
            next.runIfLive();
        }
    }

    /** Runs the tasks due now without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Advances to the next scheduled task and runs it (and anything due at the same instant); false if none. */
    public boolean advanceToNext() {
        long due;
        synchronized (this) {
            Task next;
            while ((next = tasks.peek()) != null && next.cancelled) {
                tasks.poll();
            }
            if (next == null) {
                return false;
            }
            due = next.due;
        }
        advance(Duration.ofNanos(Math.max(0, due - nanoTime())));
        return true;
    }

    /** The number of tasks scheduled and not yet run or cancelled. */
    public synchronized int pendingTasks() {
        int live = 0;
        for (Task task : tasks) {
            if (!task.cancelled) {
                live++;
            }
        }
        return live;
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
        }
    }

    private static final class Task implements ScheduledTask, Comparable<Task> {
        final long due;
        final long seq;
        final Runnable body;
        volatile boolean cancelled;
        volatile boolean started;

        Task(long due, long seq, Runnable body) {
            this.due = due;
            this.seq = seq;
            this.body = body;
        }

        void runIfLive() {
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                started = true;
            }
            body.run();
        }

        @Override
        public synchronized boolean cancel() {
            if (started || cancelled) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(seq, other.seq);
        }
    }
}
