package dev.pacer.spi;

import dev.pacer.internal.InMemoryQuotaStore;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.time.PacerClock;

/**
 * Where the state of the provider's buckets lives: levels, limits learned, reservations in flight,
 * pauses and the share estimate. The engine keeps what is local to a process (the waiting line,
 * priority classes, deadlines, the concurrency limit and the one scheduled wake-up) and asks the
 * store, per quota key, through the atomic operations of {@link QuotaState}.
 *
 * <p>The in-memory store ({@link #inMemory}) is the default. A store shared by a fleet (Redis) puts
 * the same state behind one script call per operation; {@code docs/architecture.md} lists what each
 * operation must guarantee, and the engine's quota property suite runs against any store.
 */
public interface QuotaStore {

    /**
     * The state of one quota, created on first use. Called once per key and process; the engine keeps
     * the result.
     *
     * @param model    how the provider counts this quota
     * @param listener hears the store's decisions (limits learned, calibrations, pauses, share
     *                 changes), outside the store's locks
     */
    QuotaState open(QuotaKey key, QuotaModel model, QuotaListener listener);

    /** The in-memory store on {@code clock}, with learned limits bursting a whole minute. */
    static QuotaStore inMemory(PacerClock clock) {
        return new InMemoryQuotaStore(clock, 1.0);
    }

    /**
     * The in-memory store on {@code clock}; limits learned from the provider burst
     * {@code learnedBurstRatio} of their per-period amount (for providers enforcing shorter windows).
     */
    static QuotaStore inMemory(PacerClock clock, double learnedBurstRatio) {
        if (!(learnedBurstRatio > 0 && learnedBurstRatio <= 1)) {
            throw new IllegalArgumentException("learnedBurstRatio must be in (0, 1], not " + learnedBurstRatio + ".");
        }
        return new InMemoryQuotaStore(clock, learnedBurstRatio);
    }
}
