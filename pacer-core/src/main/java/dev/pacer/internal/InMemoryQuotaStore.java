package dev.pacer.internal;

import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.QuotaStore;
import dev.pacer.time.PacerClock;

/** The default {@link QuotaStore}: each quota's state in this process's memory, on the engine's clock. */
public final class InMemoryQuotaStore implements QuotaStore {

    private final PacerClock clock;
    private final double learnedBurstRatio;

    public InMemoryQuotaStore(PacerClock clock, double learnedBurstRatio) {
        this.clock = clock;
        this.learnedBurstRatio = learnedBurstRatio;
    }

    @Override
    public QuotaState open(QuotaKey key, QuotaModel model, QuotaListener listener) {
        return new InMemoryQuotaState(key, model, clock, listener, learnedBurstRatio);
    }

    @Override
    public String toString() {
        return "QuotaStore.inMemory()";
    }
}
