package dev.pacer.quota;

import java.time.Duration;

/**
 * An admitted reservation: the call's estimated cost has been taken from every dimension of its
 * quota key, and it holds a concurrency slot if the key has a limit. Exactly one of
 * {@link #settle(Cost)} or {@link #release()} ends it; later calls are ignored.
 */
public interface Permit extends AutoCloseable {

    /** The quota key. */
    QuotaKey key();

    /** What was reserved. */
    Cost reserved();

    /** How long the call waited for admission. */
    Duration waited();

    /**
     * The call is over and cost {@code actual}: the difference to the reservation is refunded or
     * charged (as debt that later admissions pay) at once, and the concurrency slot is freed.
     */
    void settle(Cost actual);

    /**
     * {@link #settle(Cost)} and the calibration of the quota in one step, for a response that carried the
     * provider's view: nobody is admitted in between on the model it is about to correct.
     * {@code snapshot} may be null.
     */
    void settle(Cost actual, RateLimitSnapshot snapshot);

    /** The call never reached the provider: everything is refunded and the slot is freed. */
    void release();

    /** True until settled or released. */
    boolean isOpen();

    /** {@link #release()} unless already settled or released. */
    @Override
    void close();
}
