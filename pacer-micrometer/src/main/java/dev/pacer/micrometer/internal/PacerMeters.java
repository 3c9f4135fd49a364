package dev.pacer.micrometer.internal;

import dev.pacer.Pacer;
import dev.pacer.breaker.BreakerState;
import dev.pacer.event.PacerEvent;
import dev.pacer.event.PacerListener;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.route.Target;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Turns the engine's events into counters and timers, and its quota views into gauges. Every tag
 * value is bounded ({@link BoundedTags}): model classes and pools past their bound are {@code other}
 * on counters and get no gauges of their own. Counters are looked up by Micrometer (its registry
 * caches meters by name and tags), so this class keeps no per-call state. The list of meters with
 * their tags is in docs/architecture.md ("Metrics").
 */
public final class PacerMeters implements PacerListener {

    private static final double[] PERCENTILES = {0.5, 0.9, 0.99};

    private final Pacer pacer;
    private final MeterRegistry registry;
    private final Tags common;
    private final Function<Target, String> modelClassOf;
    private final BoundedTags models;
    private final BoundedTags pools;
    private final BoundedTags dimensions = new BoundedTags(16);
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();
    private final Set<String> gaugedPoolDimensions = ConcurrentHashMap.newKeySet();
    private final Set<QuotaKey> gaugedPools = ConcurrentHashMap.newKeySet();
    private final Map<Target, Boolean> breakerTargets = new ConcurrentHashMap<>();
    private final Set<String> gaugedBreakerModels = ConcurrentHashMap.newKeySet();
    private final Set<Meter.Id> created = ConcurrentHashMap.newKeySet();
    private volatile boolean tokensFromUsage;
    private final dev.pacer.micrometer.AnswerPrice prices;
    private volatile boolean closed;

    public PacerMeters(Pacer pacer, MeterRegistry registry, Iterable<Tag> common, Function<Target, String> modelClassOf,
                       int maxModels, int maxPools, boolean tokensFromUsage, dev.pacer.micrometer.AnswerPrice prices) {
        this.tokensFromUsage = tokensFromUsage;
        this.prices = prices;
        this.pacer = pacer;
        this.registry = registry;
        this.common = Tags.of(common);
        this.modelClassOf = modelClassOf;
        this.models = new BoundedTags(maxModels);
        this.pools = new BoundedTags(maxPools);
        for (QuotaKey key : pacer.quotas().keys()) {
            pool(key);
        }
    }

    @Override
    public void onEvent(PacerEvent event) {
        switch (event) {
            case PacerEvent.CallEnded e -> counter("pacer.calls", "Calls ended, by how they ended",
                    "model", model(e.target()), "outcome", Names.callOutcome(e)).increment();
            case PacerEvent.AttemptStarted e -> {
                pool(e.target().quotaKey());
                breakerTarget(e.target());
            }
            case PacerEvent.AttemptFinished e -> attemptFinished(e);
            case PacerEvent.RetryScheduled e -> counter("pacer.retries", "Retries scheduled, by the outcome that caused them",
                    "model", model(e.target()), "reason", e.family() == null && "client_retry".equals(e.reason()) ? "client_retry"
                            : Names.family(e.family())).increment();
            case PacerEvent.RetryBudgetExhausted e -> counter("pacer.retry.budget.exhausted",
                    "Retries the retry budget refused", "model", model(e.target())).increment();
            case PacerEvent.FallbackTaken e -> counter("pacer.fallbacks", "Moves from one target of a route to the next",
                    "from", model(e.from()), "to", e.to() == null ? "none" : model(e.to()),
                    "reason", e.reason().name().toLowerCase(Locale.ROOT)).increment();
            case PacerEvent.BreakerStateChanged e -> {
                breakerTarget(e.target());
                counter("pacer.breaker.transitions", "Circuit breaker state changes", "model", model(e.target()),
                        "from", e.from().name().toLowerCase(Locale.ROOT), "to", e.to().name().toLowerCase(Locale.ROOT)).increment();
            }
            case PacerEvent.Admitted e -> {
                pool(e.key());
                timer(e.priority()).record(e.waited());
            }
            case PacerEvent.Queued e -> pool(e.key());
            case PacerEvent.QuotaPaused e -> counter("pacer.quota.pauses", "Admission pauses (after a 429 or a spend cap)",
                    "pool", pools.of(e.key().id()), "dimension", e.dimension() == null ? "all" : dimensions.of(e.dimension().name()))
                    .increment();
            case PacerEvent.LimitChanged e -> {
                pool(e.key());
                poolDimension(e.key(), e.dimension());
            }
            case PacerEvent.Settled e when !tokensFromUsage -> {
                String model = model(e.target());
                tokens(model, "input", e.actual().get(Dimension.INPUT_TOKENS));
                tokens(model, "output", e.actual().get(Dimension.OUTPUT_TOKENS));
            }
            case PacerEvent.StreamInterrupted e -> counter("pacer.streams.interrupted", "Committed streams that broke off",
                    "model", model(e.target()), "outcome", Names.family(e.outcome().family())).increment();
            default -> {
            }
        }
    }

    /** From now on tokens come from {@link #usage} (a client of the engine is heard), not from the settled costs. */
    public void countTokensFromUsage() {
        tokensFromUsage = true;
    }

    /**
     * The usage of one answer in the Anthropic shape (an OpenAI fallback's translated): the four directions
     * as the API reports them (uncached input, output, cache reads, cache writes), and its cost when prices
     * were given. Used instead of the settled cost when bound to an Anthropic client, whose settled input
     * folds the cache writes (and for some classes the reads) in.
     */
    public void usage(Target target, dev.pacer.anthropic.Usage usage) {
        if (closed) {
            return;
        }
        String model = model(target);
        tokens(model, "input", usage.input());
        tokens(model, "output", usage.output());
        tokens(model, "cache_read", usage.cacheRead());
        tokens(model, "cache_write", usage.cacheCreation());
        if (prices != null) {
            double usd;
            try {
                usd = prices.usd(target.model(), usage);
            } catch (RuntimeException e) {
                usd = Double.NaN;
            }
            if (usd >= 0 && Double.isFinite(usd)) {
                Counter c = Counter.builder("pacer.cost").description("What the answers cost, at the prices given to the binding")
                        .baseUnit("usd").tags(common).tag("model", model).register(registry);
                created.add(c.getId());
                c.increment(usd);
            }
        }
    }

    private void tokens(String model, String direction, long amount) {
        counter("pacer.tokens", "Tokens the provider reported, by direction", "model", model, "direction", direction).increment(amount);
    }

    private void attemptFinished(PacerEvent.AttemptFinished e) {
        Outcome outcome = e.outcome();
        String model = model(e.target());
        String family = Names.family(outcome.family());
        counter("pacer.upstream.responses", "Answers of the provider to each attempt, by HTTP status (none: no answer)",
                "model", model, "status", Names.status(outcome.status()), "outcome", family).increment();
        Timer t = Timer.builder("pacer.upstream.duration").description("How long each attempt took, until its answer")
                .tags(common).tags("model", model, "outcome", family).register(registry);
        created.add(t.getId());
        t.record(e.latency());
        if (outcome.snapshot() != null) {
            // Limits the answer may teach get their gauges even when no LimitChanged reaches this listener
            // (an engine built on Quotas of its own does not forward admission events).
            for (Dimension d : outcome.snapshot().entries().keySet()) {
                poolDimension(e.target().quotaKey(), d);
            }
        }
        if (outcome.family() == OutcomeFamily.RATE_LIMITED) {
            counter("pacer.rate.limited", "429s, by the dimension the provider said was exceeded",
                    "pool", pools.of(e.target().quotaKey().id()),
                    "dimension", outcome.dimension() == null ? "unknown" : dimensions.of(outcome.dimension().name())).increment();
        }
    }

    private String model(Target target) {
        String raw;
        try {
            raw = modelClassOf.apply(target);
        } catch (RuntimeException e) {
            raw = null;
        }
        return models.of(raw);
    }

    private Counter counter(String name, String description, String... tags) {
        Counter c = Counter.builder(name).description(description).tags(common).tags(tags).register(registry);
        created.add(c.getId());
        return c;
    }

    private Timer timer(Priority priority) {
        Timer t = Timer.builder("pacer.queue.wait").description("How long calls waited for admission, by priority")
                .tags(common).tag("priority", priority.name().toLowerCase(Locale.ROOT))
                .publishPercentiles(PERCENTILES).distributionStatisticExpiry(Duration.ofMinutes(5)).register(registry);
        created.add(t.getId());
        return t;
    }

    // ---------------------------------------------------------------- gauges

    /** The first sight of a pool within the bound registers its gauges. */
    private void pool(QuotaKey key) {
        if (gaugedPools.contains(key) || !pools.of(key.id()).equals(BoundedTags.safe(key.id()))) {
            return;
        }
        if (!gaugedPools.add(key)) {
            return;
        }
        String pool = BoundedTags.safe(key.id());
        gauge("pacer.concurrency.limit", "The concurrency limit of a pool (NaN when none)", pool, null,
                v -> v.concurrencyLimit() == Integer.MAX_VALUE ? Double.NaN : v.concurrencyLimit(), key);
        gauge("pacer.concurrency.in.flight", "Admitted calls not yet settled", pool, null, QuotaView::inFlight, key);
        Gauge share = Gauge.builder("pacer.quota.share", pacer.quotas(), q -> q.share(key))
                .description("The share of a pool's quota this process assumes it gets (1: all; below 1 when others use the key)")
                .tags(common).tag("pool", pool).strongReference(true).register(registry);
        gauges.add(share);
        for (Priority p : Priority.values()) {
            Gauge g = Gauge.builder("pacer.queue.waiting", pacer.quotas(), q -> q.view(key).queuedByPriority().get(p))
                    .description("Calls waiting for admission, by priority").tags(common)
                    .tags("pool", pool, "priority", p.name().toLowerCase(Locale.ROOT)).strongReference(true).register(registry);
            gauges.add(g);
        }
        for (Dimension d : pacer.quotas().view(key).dimensions().keySet()) {
            poolDimension(key, d);
        }
    }

    private void poolDimension(QuotaKey key, Dimension dimension) {
        if (!gaugedPools.contains(key) || !gaugedPoolDimensions.add(key.id() + "\u0000" + dimension.name())) {
            return;
        }
        String pool = BoundedTags.safe(key.id());
        gauge("pacer.quota.level", "What a pool's bucket holds now (negative: in debt)", pool, dimension,
                v -> dim(v, dimension) == null ? Double.NaN : dim(v, dimension).level(), key);
        gauge("pacer.quota.limit", "The capacity of a pool's bucket (the per-minute limit, learned or configured)", pool, dimension,
                v -> dim(v, dimension) == null ? Double.NaN : dim(v, dimension).limit().capacity(), key);
        gauge("pacer.quota.reserved", "What admitted calls still hold of a pool's bucket", pool, dimension,
                v -> dim(v, dimension) == null ? Double.NaN : dim(v, dimension).reserved(), key);
    }

    private static QuotaView.DimensionView dim(QuotaView v, Dimension d) {
        return v.dimension(d);
    }

    private void gauge(String name, String description, String pool, Dimension dimension, ToDoubleFunction<QuotaView> read,
                       QuotaKey key) {
        Gauge.Builder<?> b = Gauge.builder(name, pacer.quotas(), q -> read.applyAsDouble(q.view(key)))
                .description(description).tags(common).tag("pool", pool);
        if (dimension != null) {
            b.tag("dimension", dimensions.of(dimension.name()));
        }
        gauges.add(b.strongReference(true).register(registry));
    }

    private void breakerTarget(Target target) {
        if (breakerTargets.putIfAbsent(target, Boolean.TRUE) != null) {
            return;
        }
        String model = model(target);
        if (!gaugedBreakerModels.add(model)) {
            return;
        }
        for (BreakerState state : BreakerState.values()) {
            gauges.add(Gauge.builder("pacer.breakers", this, m -> m.breakersIn(model, state))
                    .description("Targets whose circuit breaker is in this state").tags(common)
                    .tags("model", model, "state", state.name().toLowerCase(Locale.ROOT)).strongReference(true).register(registry));
        }
    }

    private double breakersIn(String model, BreakerState state) {
        int n = 0;
        for (Target t : breakerTargets.keySet()) {
            if (model(t).equals(model) && pacer.breakerState(t) == state) {
                n++;
            }
        }
        return n;
    }

    /** Removes every meter this binding registered. */
    public void removeMeters() {
        closed = true;
        gauges.forEach(registry::remove);
        created.forEach(registry::remove);
    }
}
