package dev.pacer;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import java.time.Duration;
import java.time.Instant;

/**
 * A call's wait for quota would pass its deadline, so it failed at once instead of waiting.
 */
public final class QuotaWaitExceeded extends PacerException {

    private final QuotaKey key;
    private final Dimension dimension;
    private final Duration wait;
    private final Instant deadline;

    public QuotaWaitExceeded(QuotaKey key, Dimension dimension, Duration wait, Instant deadline) {
        super("Waiting for " + describe(dimension) + " quota on '" + key + "' would take about "
                + human(wait) + ", past the call's deadline (" + deadline
                + "); give the call a later deadline, lower its priority class, or reduce the load on this key.");
        this.key = key;
        this.dimension = dimension;
        this.wait = wait;
        this.deadline = deadline;
    }

    private static String describe(Dimension dimension) {
        return dimension == null ? "a concurrency slot or a pause" : dimension.name();
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + " ms" : (ms / 1000) + " s";
    }

    /** The quota key. */
    public QuotaKey key() {
        return key;
    }

    /** The dimension that would have made the call wait longest (null when a pause decided). */
    public Dimension dimension() {
        return dimension;
    }

    /** The estimated wait. */
    public Duration waitEstimate() {
        return wait;
    }

    /** The call's deadline. */
    public Instant deadline() {
        return deadline;
    }
}
