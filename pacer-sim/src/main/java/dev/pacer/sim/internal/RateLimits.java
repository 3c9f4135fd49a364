package dev.pacer.sim.internal;

import dev.pacer.sim.ModelClass;
import dev.pacer.sim.Organizations;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pool, created on first use: one per (owner, model class) for Messages, one per organization for
 * count_tokens, one per organization for the batch endpoints. An owner is an organization, or a workspace
 * that narrows a limit of the class ({@link Identity}). Limits come from the settings in force; a
 * workspace's are its own figures where they are lower than the organization's.
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
        return pools.computeIfAbsent(keyId + "|" + modelClass, k -> new Pool(keyId, modelClass, limits(keyId, modelClass),
                settings.diagnostics().windowSeconds(), now));
    }

    /** What a Messages request of {@code identity} on {@code modelClass} must fit: its organization's pool and its workspace's. */
    Limiter messages(Identity identity, String modelClass, double now) {
        Pool org = messages(identity.organization(), modelClass, now);
        boolean narrowed = identity.workspace() != null && identity.limits().on(modelClass).any();
        return new Limiter(org, narrowed ? messages(identity.workspace(), modelClass, now) : null, identity);
    }

    Pool countTokens(String keyId, double now) {
        return messages(keyId, COUNT_TOKENS, now);
    }

    Pool batches(String keyId, double now) {
        return messages(keyId, BATCHES, now);
    }

    private Pool.PoolLimits limits(String owner, String modelClass) {
        SimSettings s = settings;
        return switch (modelClass) {
            case COUNT_TOKENS -> new Pool.PoolLimits(s.limits().countTokensRpm(), 0, 0, s.enforcement().burstRatio());
            case BATCHES -> new Pool.PoolLimits(s.limits().batchRpm(), 0, 0, s.enforcement().burstRatio());
            default -> {
                ModelClass c = s.limits().classes().get(modelClass);
                Organizations.WorkspaceLimits w = workspaceLimits(s, owner, modelClass);
                yield new Pool.PoolLimits(narrower(c.rpm(), w.rpm()), narrower(c.itpm(), w.itpm()), narrower(c.otpm(), w.otpm()),
                        s.enforcement().burstRatio());
            }
        };
    }

    /** A workspace's figure where it is set and lower than the organization's: the organization's limit always applies. */
    private static long narrower(long organization, long workspace) {
        return workspace > 0 ? Math.min(organization, workspace) : organization;
    }

    /** The figures of the workspace {@code owner} names ({@code ws:<organization>/<workspace>}); none for any other owner. */
    private static Organizations.WorkspaceLimits workspaceLimits(SimSettings s, String owner, String modelClass) {
        if (!owner.startsWith("ws:")) {
            return Organizations.WorkspaceLimits.NONE;
        }
        int slash = owner.indexOf('/');
        Organizations.Organization o = s.organizations().named(owner.substring(3, slash));
        Organizations.Workspace w = o == null ? null : o.workspaces().get(owner.substring(slash + 1));
        return w == null ? Organizations.WorkspaceLimits.NONE : w.on(modelClass);
    }

    /** New settings: every existing pool takes its new limits from now on. */
    void apply(SimSettings newSettings, double now) {
        this.settings = newSettings;
        for (Pool p : pools.values()) {
            if (p.modelClass.equals(COUNT_TOKENS) || p.modelClass.equals(BATCHES) || newSettings.limits().classes().containsKey(p.modelClass)) {
                p.limit(limits(p.keyId, p.modelClass), now);
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
