package dev.pacer.sim.internal;

import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pool, created on first use: one per (API key, model class) for Messages, one per key for
 * count_tokens, one per key for the batch endpoints. Limits come from the settings in force.
 */
final class RateLimits {

    static final String COUNT_TOKENS = "count_tokens";
    static final String BATCHES = "batches";

    private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();
    private volatile SimSettings settings;

    RateLimits(SimSettings settings) {
        this.settings = settings;
    }

    Pool messages(String keyId, String modelClass, double now) {
        return pools.computeIfAbsent(keyId + "|" + modelClass, k -> new Pool(keyId, modelClass, limits(modelClass), settings.diagnostics().windowSeconds(), now));
    }

    Pool countTokens(String keyId, double now) {
        return messages(keyId, COUNT_TOKENS, now);
    }

    Pool batches(String keyId, double now) {
        return messages(keyId, BATCHES, now);
    }

    private Pool.PoolLimits limits(String modelClass) {
        SimSettings s = settings;
        return switch (modelClass) {
            case COUNT_TOKENS -> new Pool.PoolLimits(s.limits().countTokensRpm(), 0, 0, s.enforcement().burstRatio());
            case BATCHES -> new Pool.PoolLimits(s.limits().batchRpm(), 0, 0, s.enforcement().burstRatio());
            default -> {
                ModelClass c = s.limits().classes().get(modelClass);
                yield new Pool.PoolLimits(c.rpm(), c.itpm(), c.otpm(), s.enforcement().burstRatio());
            }
        };
    }

    /** New settings: every existing pool takes its new limits from now on. */
    void apply(SimSettings newSettings, double now) {
        this.settings = newSettings;
        for (Pool p : pools.values()) {
            if (p.modelClass.equals(COUNT_TOKENS) || p.modelClass.equals(BATCHES) || newSettings.limits().classes().containsKey(p.modelClass)) {
                p.limit(limits(p.modelClass), now);
            }
        }
    }

    void clear() {
        pools.clear();
    }

    List<SimStats.PoolStats> snapshot(double now) {
        List<SimStats.PoolStats> out = new ArrayList<>();
        for (Pool p : pools.values()) {
            out.add(p.snapshot(now));
        }
        out.sort(Comparator.comparing(SimStats.PoolStats::keyId).thenComparing(SimStats.PoolStats::modelClass));
        return out;
    }

    Pool find(String keyId, String modelClass) {
        return pools.get(keyId + "|" + modelClass);
    }
}
