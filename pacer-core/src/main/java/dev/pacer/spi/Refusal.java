package dev.pacer.spi;

import dev.pacer.quota.Dimension;

/**
 * Why a cost does not fit now, and when it will.
 *
 * @param kind      which of the three cases it is
 * @param dimension the dimension that decides it (null for a pause of the whole key)
 * @param waitNanos for {@link Kind#WAIT}: how long until it fits, from the store's now; otherwise 0
 * @param amount    for {@link Kind#NEVER}: the cost in {@code dimension}; otherwise 0
 * @param capacity  for {@link Kind#NEVER}: the capacity of {@code dimension}; otherwise 0
 */
public record Refusal(Kind kind, Dimension dimension, long waitNanos, long amount, long capacity) implements ReserveResult {

    /** The three reasons a cost does not fit. */
    public enum Kind {
        /** It fits after {@code waitNanos} of refill or at the end of a pause; nothing else has to happen. */
        WAIT,
        /**
         * Only a settlement can make room: calls in flight hold what it needs. A store shared with other
         * processes, whose settlements this process does not hear, answers {@link #WAIT} instead.
         */
        HELD,
        /** It can never fit: the cost is larger than the capacity of {@code dimension}. */
        NEVER
    }

    /** Waits {@code waitNanos} for {@code dimension} (null: a pause of the whole key). */
    public static Refusal waitFor(Dimension dimension, long waitNanos) {
        return new Refusal(Kind.WAIT, dimension, Math.max(0, waitNanos), 0, 0);
    }

    /** Waits for a settlement. */
    public static Refusal held(Dimension dimension) {
        return new Refusal(Kind.HELD, dimension, 0, 0, 0);
    }

    /** Never fits. */
    public static Refusal never(Dimension dimension, long amount, long capacity) {
        return new Refusal(Kind.NEVER, dimension, 0, amount, capacity);
    }
}
