package dev.pacer.redis;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The Redis store's own state as Micrometer meters, beside pacer-micrometer's: {@code pacer.redis.degraded}
 * (1 while Redis does not answer and quotas run in the {@link RedisUnavailableMode}, else 0) and
 * {@code pacer.redis.outages} (times Redis stopped answering), tagged {@code store} with the instance id of
 * the fleet's heartbeats (one value per store, never the URI or its password). The warning is logged once
 * per outage by the store itself. {@code micrometer-core} is an optional dependency of pacer-redis: only
 * this class needs it.
 *
 * <pre>{@code
 * new RedisStoreMeters(store).bindTo(registry);
 * }</pre>
 */
public final class RedisStoreMeters implements MeterBinder {

    private final RedisQuotaStore store;

    public RedisStoreMeters(RedisQuotaStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("pacer.redis.degraded", store, s -> s.degraded() ? 1 : 0)
                .description("1 while Redis does not answer and quotas run in the unavailable mode (local-share, fail-open, fail-closed)")
                .tag("store", store.instanceId()).strongReference(true).register(registry);
        FunctionCounter.builder("pacer.redis.outages", store, RedisQuotaStore::outages)
                .description("Times Redis stopped answering since the store connected").tag("store", store.instanceId()).register(registry);
    }
}
