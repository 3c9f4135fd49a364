package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.time.ScheduledTask;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A call waiting in an {@link AdmissionLine}: its cost, class, deadline and the future it is admitted through. */
final class Waiter {

    Cost cost;      // guarded by the line's lock; re-estimated at the head of the line
    boolean removed; // guarded by the line's lock
    final Supplier<Cost> recost;
    final Priority priority;
    final long enqueuedAt;
    final Instant deadline;
    final long deadlineNanos;
    final long callId;
    final int attempt;
    final CompletableFuture<Permit> future = new CompletableFuture<>();
    volatile ScheduledTask deadlineTask;

    Waiter(Cost cost, Priority priority, long enqueuedAt, Instant deadline, long deadlineNanos, Supplier<Cost> recost,
           long callId, int attempt) {
        this.cost = cost;
        this.priority = priority;
        this.enqueuedAt = enqueuedAt;
        this.deadline = deadline;
        this.deadlineNanos = deadlineNanos;
        this.recost = recost;
        this.callId = callId;
        this.attempt = attempt;
    }
}
