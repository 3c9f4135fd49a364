package dev.pacer.gateway.internal;

import dev.pacer.gateway.VirtualKey;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A gateway key's own limits (per minute, per dimension), kept by the engine's own quota lines on a
 * {@link Quotas} of their own: a call reserves 1 request, its estimated input and its
 * {@code max_tokens} on its key's line before it joins the upstream's, waits in FIFO order within its
 * class like any call, fails at once when the wait would pass its deadline, and settles at what it
 * used. A key without limits of its own passes at once.
 */
public final class KeyLimits {

    private final Quotas quotas;

    public <T extends PacerClock & PacerScheduler> KeyLimits(List<VirtualKey> keys, T time) {
        Quotas.Builder b = Quotas.builder().time(time);
        for (VirtualKey k : keys) {
            QuotaKey q = quotaKey(k);
            if (k.rpm() > 0) {
                b.limit(q, Dimension.REQUESTS, Limit.perMinute(k.rpm()));
            }
            if (k.itpm() > 0) {
                b.limit(q, Dimension.INPUT_TOKENS, Limit.perMinute(k.itpm()));
            }
            if (k.otpm() > 0) {
                b.limit(q, Dimension.OUTPUT_TOKENS, Limit.perMinute(k.otpm()));
            }
        }
        this.quotas = b.build();
    }

    /** The permit of a call of {@code key} (null when the key has no limits of its own). */
    public CompletableFuture<Permit> acquire(VirtualKey key, long input, long output, Priority priority, Instant deadline) {
        if (key == null || !key.hasLimits()) {
            return CompletableFuture.completedFuture(null);
        }
        return quotas.acquire(quotaKey(key), Cost.requests(1, input, output), priority, deadline);
    }

    private static QuotaKey quotaKey(VirtualKey k) {
        return QuotaKey.of("gateway-key:" + k.name());
    }
}
