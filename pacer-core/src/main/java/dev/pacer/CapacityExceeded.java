package dev.pacer;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;

/**
 * A call costs more in one dimension than the bucket can ever hold, so it could never be
 * admitted; it failed at once instead of waiting forever.
 */
public final class CapacityExceeded extends PacerException {

    private final QuotaKey key;
    private final Dimension dimension;
    private final long cost;
    private final long capacity;

    public CapacityExceeded(QuotaKey key, Dimension dimension, long cost, long capacity) {
        super("The call needs " + cost + " " + dimension.name() + " but the limit on '" + key + "' holds at most "
                + capacity + "; shorten the request (or lower max_tokens), or raise the limit.");
        this.key = key;
        this.dimension = dimension;
        this.cost = cost;
        this.capacity = capacity;
    }

    /** The quota key. */
    public QuotaKey key() {
        return key;
    }

    /** The dimension that is too small. */
    public Dimension dimension() {
        return dimension;
    }

    /** What the call needs in that dimension. */
    public long cost() {
        return cost;
    }

    /** What the bucket can hold. */
    public long capacity() {
        return capacity;
    }
}
