package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Priority;
import dev.pacer.spi.QuotaState;
import java.util.ArrayDeque;

/**
 * The calls of one {@link AdmissionLine} waiting for their turn: one FIFO line per {@link Priority},
 * with their number and their summed cost per class (what a new call is estimated to wait behind).
 * Guarded by the admission line's lock; only {@link #size()} may be read without it. Each change of the
 * number is told to the state ({@link QuotaState#waiting(int)}), which the share estimator reads.
 */
final class WaitingLines {

    private final QuotaState state;
    private final ArrayDeque<Waiter>[] lines;
    private final Cost[] queuedCost;
    private volatile int size; // written under the line's lock, read without it on the fast path

    @SuppressWarnings("unchecked")
    WaitingLines(QuotaState state) {
        this.state = state;
        this.lines = new ArrayDeque[Priority.values().length];
        this.queuedCost = new Cost[lines.length];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new ArrayDeque<>();
            queuedCost[i] = Cost.ZERO;
        }
    }

    /** How many calls wait. */
    int size() {
        return size;
    }

    /** How many calls of class {@code priority} wait (under the line's lock). */
    int size(Priority priority) {
        return lines[priority.ordinal()].size();
    }

    /** Puts {@code waiter} at the back of its class's line. */
    void add(Waiter waiter) {
        lines[waiter.priority.ordinal()].addLast(waiter);
        count(waiter.priority, waiter.cost, 1);
    }

    /** Takes {@code waiter} out of its line; a second call does nothing. */
    void remove(Waiter waiter) {
        if (!waiter.removed) {
            waiter.removed = true;
            lines[waiter.priority.ordinal()].remove(waiter);
            count(waiter.priority, waiter.cost, -1);
        }
    }

    /** The only candidate for admission: the head of the highest non-empty class, or null. */
    Waiter head() {
        for (ArrayDeque<Waiter> line : lines) {
            Waiter w = line.peekFirst();
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    /** Whether a call of {@code priority} or a higher class waits (then a new call of that class may not pass). */
    boolean anyAtOrAbove(Priority priority) {
        for (int p = 0; p <= priority.ordinal(); p++) {
            if (!lines[p].isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The summed cost of the calls a new call of {@code priority} would wait behind. */
    Cost costAtOrAbove(Priority priority) {
        Cost sum = Cost.ZERO;
        for (int p = 0; p <= priority.ordinal(); p++) {
            if (!lines[p].isEmpty()) {
                sum = sum == Cost.ZERO ? queuedCost[p] : sum.plus(queuedCost[p]);
            }
        }
        return sum;
    }

    /** Re-estimates the cost of {@code head} with its caller's {@code recost}; a failing estimate keeps the old cost. */
    void recost(Waiter head) {
        if (head.recost == null) {
            return;
        }
        Cost fresh;
        try {
            fresh = head.recost.get();
        } catch (RuntimeException e) {
            return;
        }
        if (fresh == null || fresh.equals(head.cost)) {
            return;
        }
        count(head.priority, head.cost, -1);
        head.cost = fresh;
        count(head.priority, fresh, 1);
    }

    private void count(Priority priority, Cost cost, int sign) {
        int p = priority.ordinal();
        queuedCost[p] = sign > 0 ? queuedCost[p].plus(cost) : queuedCost[p].minus(cost);
        size += sign;
        state.waiting(size);
    }
}
