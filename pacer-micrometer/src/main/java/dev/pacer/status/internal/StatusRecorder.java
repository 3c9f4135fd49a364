package dev.pacer.status.internal;

import dev.pacer.Pacer;
import dev.pacer.event.PacerEvent;
import dev.pacer.event.PacerListener;
import dev.pacer.micrometer.internal.BoundedTags;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the status page shows that a view of the quotas does not hold: the answers of the last 15
 * minutes (overall and per pool), the targets seen (for their breakers), the recent fallbacks, and
 * where each limit came from. Bounded: at most {@code maxPools} pools are followed (the first seen),
 * and the last {@code maxFallbacks} fallbacks kept.
 */
public final class StatusRecorder implements PacerListener {

    /** A fallback, as the page lists it. */
    public record Fallback(Instant at, String from, String to, SkipReason reason) {
    }

    /** A limit and where it came from: {@code headers} (a call's answer) or {@code configured} (set in code or configuration). */
    public record LimitSource(Limit limit, String source, Instant at) {
    }

    private final Pacer pacer;
    private final Function<Target, String> modelClassOf;
    private final int maxPools;
    private final int maxFallbacks;
    private final ResponseWindow all = new ResponseWindow();
    private final Map<QuotaKey, ResponseWindow> byPool = new ConcurrentHashMap<>();
    private final Map<Target, String> targets = new ConcurrentHashMap<>();
    private final Map<QuotaKey, Map<Dimension, LimitSource>> limits = new ConcurrentHashMap<>();
    private final ArrayDeque<Fallback> fallbacks = new ArrayDeque<>();

    public StatusRecorder(Pacer pacer, Function<Target, String> modelClassOf, int maxPools, int maxFallbacks) {
        this.pacer = pacer;
        this.modelClassOf = modelClassOf;
        this.maxPools = maxPools;
        this.maxFallbacks = maxFallbacks;
        for (QuotaKey key : pacer.quotas().keys()) {
            pool(key);
        }
    }

    @Override
    public void onEvent(PacerEvent event) {
        switch (event) {
            case PacerEvent.AttemptFinished e -> {
                all.record(e.at(), e.outcome().status());
                ResponseWindow pool = pool(e.target().quotaKey());
                if (pool != null) {
                    pool.record(e.at(), e.outcome().status());
                }
                target(e.target());
            }
            case PacerEvent.AttemptStarted e -> target(e.target());
            case PacerEvent.BreakerStateChanged e -> target(e.target());
            case PacerEvent.FallbackTaken e -> {
                synchronized (fallbacks) {
                    fallbacks.addLast(new Fallback(e.at(), BoundedTags.safe(e.from().model()),
                            e.to() == null ? null : BoundedTags.safe(e.to().model()), e.reason()));
                    while (fallbacks.size() > maxFallbacks) {
                        fallbacks.removeFirst();
                    }
                }
            }
            case PacerEvent.LimitChanged e -> {
                if (pool(e.key()) != null) {
                    limits.computeIfAbsent(e.key(), k -> new ConcurrentHashMap<>()).put(e.dimension(),
                            new LimitSource(e.limit(), e.callId() > 0 ? "headers" : "configured", e.at()));
                }
            }
            case PacerEvent.Queued e -> pool(e.key());
            case PacerEvent.Admitted e -> pool(e.key());
            default -> {
            }
        }
    }

    /** The window of a followed pool (following it now if the bound allows), else null. */
    private ResponseWindow pool(QuotaKey key) {
        ResponseWindow w = byPool.get(key);
        if (w != null) {
            return w;
        }
        synchronized (byPool) {
            if (byPool.size() >= maxPools) {
                return byPool.get(key);
            }
            return byPool.computeIfAbsent(key, k -> new ResponseWindow());
        }
    }

    private void target(Target target) {
        if (byPool.containsKey(target.quotaKey()) || pool(target.quotaKey()) != null) {
            targets.computeIfAbsent(target, t -> {
                try {
                    return BoundedTags.safe(modelClassOf.apply(t));
                } catch (RuntimeException e) {
                    return "none";
                }
            });
        }
    }

    /** The engine. */
    public Pacer pacer() {
        return pacer;
    }

    /** Every answer's window. */
    public ResponseWindow all() {
        return all;
    }

    /** The followed pools, sorted by name, with their windows. */
    public List<Map.Entry<QuotaKey, ResponseWindow>> pools() {
        List<Map.Entry<QuotaKey, ResponseWindow>> out = new ArrayList<>(byPool.entrySet());
        out.sort(Map.Entry.comparingByKey((a, b) -> a.id().compareTo(b.id())));
        return out;
    }

    /** Where each limit of {@code key} came from (empty when no change was seen). */
    public Map<Dimension, LimitSource> limits(QuotaKey key) {
        return limits.getOrDefault(key, Map.of());
    }

    /** The targets seen, with their model classes. */
    public Map<Target, String> targets() {
        return targets;
    }

    /** The recent fallbacks, oldest first. */
    public List<Fallback> fallbacks() {
        synchronized (fallbacks) {
            return List.copyOf(fallbacks);
        }
    }
}
