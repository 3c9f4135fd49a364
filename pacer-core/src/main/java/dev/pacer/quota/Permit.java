package dev.pacer.quota;

import dev.pacer.concurrency.ConcurrencySignal;
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
     * Marks the moment the request left for the provider. Calibration uses it: a provider's
     * {@code remaining} cannot yet count requests sent after the one whose response carried it.
     */
    void sent();

    /**
     * Feeds the provider's view carried by this call's response. Call it after {@link #settle}
     * for a complete response, or while the permit is open for a stream whose headers arrived.
     */
    void calibrate(RateLimitSnapshot snapshot);

    /** Records how the call went, for an adaptive concurrency limit (default: IGNORE). */
    void signal(ConcurrencySignal signal);

    /**
     * The call is over and cost {@code actual}: the difference to the reservation is refunded or
     * charged (as debt that later admissions pay) at once, and the concurrency slot is freed.
     */
    void settle(Cost actual);

    /**
     * {@link #settle(Cost)} and {@link #calibrate} in one step, for a response that carried the
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
