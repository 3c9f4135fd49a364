package dev.pacer.sim.internal;

import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimClock;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.time.Instant;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulator's state, shared by every endpoint: settings and faults (replaceable at run time),
 * the clock, the rate limits, the prompt cache, the acceleration limiter, the spend meter, the
 * counters and the batches.
 */
public final class Simulator {

    /** The one source of truth for settings, faults included: replaced whole, never edited. */
    private volatile SimSettings settings;
    private volatile Tokenizer tokenizer;
    private final SimClock clock;
    private final RateLimits limits;
    private final PromptCache cache = new PromptCache();
    private final AccelerationLimiter acceleration = new AccelerationLimiter();
    private final SpendMeter spend = new SpendMeter();
    private final Counters counters = new Counters();
    private final InFlight inFlight = new InFlight();
    private final BatchStore batches;
    private final AtomicLong arrivals = new AtomicLong();

    public Simulator(SimSettings settings) {
        this.settings = settings;
        this.tokenizer = new Tokenizer(settings.seed());
        SimSettings.Time time = settings.time();
        this.clock = time.start() == null ? new SimClock(time.scale()) : new SimClock(time.start(), time.scale());
        this.limits = new RateLimits(settings);
        this.batches = new BatchStore(this);
    }

    public SimSettings settings() {
        return settings;
    }

    public SimClock clock() {
        return clock;
    }

    public FaultProfile faults() {
        return settings.faults();
    }

    public synchronized void faults(FaultProfile profile) {
        settings = settings.toBuilder().faults(Objects.requireNonNull(profile, "faults")).build();
    }

    /**
     * New settings from now on. Limits apply to existing buckets at once (levels capped to the new
     * capacity); the clock cannot change while running.
     */
    public synchronized void update(SimSettings next) {
        if (!next.time().equals(settings.time())) {
            throw new IllegalArgumentException("time-scale and clock-start cannot change while the simulator runs (it runs at "
                    + settings.time().scale() + "x); start a new one instead.");
        }
        if (next.seed() != settings.seed()) {
            tokenizer = new Tokenizer(next.seed());
        }
        settings = next;
        limits.apply(next, clock.seconds());
    }

    /** Forgets everything but the settings and the clock: statistics, buckets (full again), caches, batches. */
    public void reset() {
        counters.clear();
        inFlight.clear();
        limits.clear();
        cache.clear();
        acceleration.clear();
        spend.clear();
        batches.clear();
    }

    public SimStats stats() {
        double now = clock.seconds();
        var pools = limits.snapshot(now);
        double worst = 0;
        for (SimStats.PoolStats p : pools) {
            worst = Math.max(worst, p.requests().overadmission());
            if (p.inputTokens() != null) {
                worst = Math.max(worst, Math.max(p.inputTokens().overadmission(), p.outputTokens().overadmission()));
            }
        }
        return new SimStats(clock.at(now), clock.scale(), counters.requests(), counters.responses(), counters.faults(),
                counters.internalErrors(), settings.diagnostics().windowSeconds(), worst, pools, batches.stats(), inFlight.now(), inFlight.max(),
                inFlight.maxByKey());
    }

    /** The level of one bucket of the organization of {@code apiKey} now, or NaN if it never used that class. */
    public double level(String apiKey, String modelClass, String dimension) {
        Pool p = limits.find(Identity.of(apiKey, settings).organization(), modelClass);
        return p == null ? Double.NaN : p.level(dimension, clock.seconds());
    }

    /** Stops batch processing. */
    public void close() {
        batches.close();
    }

    /** A random source for one arrival: repeatable for the same seed and arrival order. */
    SplittableRandom dice() {
        return new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + arrivals.incrementAndGet());
    }

    Instant now() {
        return clock.now();
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    RateLimits limits() {
        return limits;
    }

    PromptCache cache() {
        return cache;
    }

    AccelerationLimiter acceleration() {
        return acceleration;
    }

    SpendMeter spend() {
        return spend;
    }

    Counters counters() {
        return counters;
    }

    InFlight inFlight() {
        return inFlight;
    }

    BatchStore batches() {
        return batches;
    }
}
