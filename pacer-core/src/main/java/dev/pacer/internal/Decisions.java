package dev.pacer.internal;

import java.util.ArrayList;
import java.util.List;
import dev.pacer.quota.Priority;
import java.util.function.BiConsumer;

/**
 * What one drain of an {@link AdmissionLine} decided for its waiters (a permit, or the failure that ends
 * the wait), carried out once the line's lock is released: futures are never completed under it.
 */
final class Decisions {

    private final List<Waiter> waiters = new ArrayList<>(4);
    private final List<Object> results = new ArrayList<>(4);

    /** {@code decisions} (created when null) with {@code result}, a {@link LinePermit} or a {@link Throwable}, for {@code waiter}. */
    static Decisions add(Decisions decisions, Waiter waiter, Object result) {
        Decisions d = decisions == null ? new Decisions() : decisions;
        d.waiters.add(waiter);
        d.results.add(result);
        return d;
    }

    /**
     * Completes every waiter's future; a permit whose future was cancelled meanwhile is released, and
     * every permit taken is told to {@code admitted}, with its waiter's priority.
     */
    void carryOut(BiConsumer<LinePermit, Priority> admitted) {
        for (int i = 0; i < waiters.size(); i++) {
            Waiter waiter = waiters.get(i);
            Object result = results.get(i);
            if (waiter.deadlineTask != null) {
                waiter.deadlineTask.cancel();
            }
            if (result instanceof LinePermit permit) {
                if (!waiter.future.complete(permit)) {
                    permit.release(); // cancelled in the meantime: give everything back
                } else {
                    admitted.accept(permit, waiter.priority);
                }
            } else {
                waiter.future.completeExceptionally((Throwable) result);
            }
        }
    }
}
