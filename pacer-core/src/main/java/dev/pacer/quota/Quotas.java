package dev.pacer.quota;

import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.internal.AdmissionLine;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.QuotaStore;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Admission over many quota keys: for each key the state of the provider's buckets in a
 * {@link QuotaStore} (in memory by default, or shared by a fleet) and, in front of it, this
 * process's line of waiting calls with its concurrency limit. Thread-safe.
 *
 * <pre>{@code
 * Quotas quotas = Quotas.builder()
 *     .limit(key, Dimension.REQUESTS, Limit.perMinute(50))
 *     .limit(key, Dimension.INPUT_TOKENS, Limit.perMinute(30_000))
 *     .build();
 * quotas.acquire(key, Cost.requests(1, 1_200, 800), Priority.BULK, null)
 *       .thenAccept(permit -> { ... permit.settle(actual); });
 * }</pre>
 *
 * A key with no configured limits admits at once until limits are learned from the provider
 * ({@link #calibrate}) or set ({@link #setLimit}).
 */
public final class Quotas {

    private final PacerClock clock;
    private final PacerScheduler scheduler;
    private final QuotaListener listener;
    private final double learnedBurstRatio;
    private final int coldStartConcurrency;
    private final ConcurrencyLimit defaultConcurrency;
    private final Map<QuotaKey, ConcurrencyLimit> concurrencyByKey;
    private final Map<QuotaKey, Map<Dimension, Limit>> configured;
    private final QuotaStore store;
    private final ConcurrentHashMap<QuotaKey, AdmissionLine> lines = new ConcurrentHashMap<>();

    private Quotas(Builder b) {
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.listener = b.listener;
        this.learnedBurstRatio = b.learnedBurstRatio;
        this.coldStartConcurrency = b.coldStartConcurrency;
        this.defaultConcurrency = b.defaultConcurrency;
        this.concurrencyByKey = Map.copyOf(b.concurrencyByKey);
        this.configured = Map.copyOf(b.limits);
        this.store = b.store != null ? b.store : QuotaStore.inMemory(clock, learnedBurstRatio);
    }

    /** A builder with the system clock and scheduler, no limits and no concurrency limit. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The line of {@code key}, with its state created on first use counted by {@code model} (a key
     * keeps the model it was created with). For the engine: holding it skips one map lookup per call.
     */
    public AdmissionLine line(QuotaKey key, QuotaModel model) {
        AdmissionLine line = lines.get(key);
        return line != null ? line : lines.computeIfAbsent(key, k -> create(k, model));
    }

    private AdmissionLine line(QuotaKey key) {
        return line(key, QuotaModel.perMinute());
    }

    private AdmissionLine create(QuotaKey key, QuotaModel model) {
        QuotaState state = store.open(key, model, listener);
        Map<Dimension, Limit> limits = configured.get(key);
        if (limits != null) {
            limits.forEach(state::setLimit);
        }
        return new AdmissionLine(key, state, clock, scheduler, listener,
                concurrencyByKey.getOrDefault(key, defaultConcurrency), coldStartConcurrency);
    }

    /**
     * Admits a call when every dimension and a concurrency slot can take it, in line behind earlier
     * calls of its class and every call of a higher class. Fails with {@link QuotaWaitExceeded} when
     * the estimated wait passes {@code deadline} (null: none), or at the deadline if still waiting, and
     * with {@link CapacityExceeded} when the cost can never fit. Cancelling the future gives up the
     * place in line.
     */
    public CompletableFuture<Permit> acquire(QuotaKey key, Cost cost, Priority priority, Instant deadline) {
        return line(key).acquire(cost, priority, deadline, null, 0, 0);
    }

    /**
     * As {@link #acquire(QuotaKey, Cost, Priority, Instant)}, with the cost estimated again whenever
     * the call is at the head of its line: an estimate made when a large job was queued at once (say
     * {@code max_tokens} for the output, before anything was learned) is replaced by the current one
     * when the call is about to be admitted. {@code recost} runs under the line's lock, so it must be
     * quick and must not call back; if it throws, the cost stays.
     */
    public CompletableFuture<Permit> acquire(QuotaKey key, Cost cost, Priority priority, Instant deadline,
                                             java.util.function.Supplier<Cost> recost) {
        return line(key).acquire(cost, priority, deadline, recost, 0, 0);
    }

    /**
     * As {@link #acquire(QuotaKey, Cost, Priority, Instant)}, with the cost estimated again whenever
     * the call is at the head of its line ({@code recost} runs under the line's lock, so it must be
     * quick and must not call back; if it throws, the cost stays), for attempt {@code attempt} of
     * call {@code callId}, which the listener's events name.
     */
    public CompletableFuture<Permit> acquire(QuotaKey key, Cost cost, Priority priority, Instant deadline,
                                             java.util.function.Supplier<Cost> recost, long callId, int attempt) {
        return line(key).acquire(cost, priority, deadline, recost, callId, attempt);
    }

    /**
     * Waits on the calling thread for a permit: a convenience for code that is blocking anyway.
     *
     * @throws QuotaWaitExceeded   when the deadline cannot be met
     * @throws CapacityExceeded    when the cost can never fit
     * @throws InterruptedException when interrupted; the place in line is given up
     */
    public Permit acquireBlocking(QuotaKey key, Cost cost, Priority priority, Instant deadline) throws InterruptedException {
        CompletableFuture<Permit> future = acquire(key, cost, priority, deadline);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Admits now if nobody waits and every dimension and a slot can take {@code cost}; otherwise
     * returns null, never queues.
     *
     * @throws CapacityExceeded when the cost can never fit
     */
    public Permit tryAcquire(QuotaKey key, Cost cost) {
        return line(key).tryAcquire(cost);
    }

    /** Corrects {@code key}'s state from a provider snapshot. */
    public void calibrate(QuotaKey key, RateLimitSnapshot snapshot) {
        line(key).calibrate(snapshot);
    }

    /** Pauses admission on {@code key} (one dimension, or all when null) until {@code until}. */
    public void pause(QuotaKey key, Dimension dimension, Instant until) {
        line(key).pause(dimension, until, 0, 0);
    }

    /** Sets or changes a limit at run time. */
    public void setLimit(QuotaKey key, Dimension dimension, Limit limit) {
        line(key).setLimit(dimension, limit);
    }

    /** The state of {@code key} now. */
    public QuotaView view(QuotaKey key) {
        return line(key).view();
    }

    /** The keys used so far (each has a line and a state), in no particular order; for views and metrics. */
    public java.util.Set<QuotaKey> keys() {
        return java.util.Collections.unmodifiableSet(lines.keySet());
    }

    /** The share of {@code key}'s quota this process assumes it gets when others use the key (1: all). */
    public double share(QuotaKey key) {
        return line(key).state().share();
    }

    /** The store holding the state. */
    public QuotaStore store() {
        return store;
    }

    /** The clock these quotas run on. */
    public PacerClock clock() {
        return clock;
    }

    /** The scheduler these quotas wake waiters with. */
    public PacerScheduler scheduler() {
        return scheduler;
    }

    /** Builds {@link Quotas}; every setting is validated when set. */
    public static final class Builder {
        private PacerClock clock = PacerClock.system();
        private PacerScheduler scheduler = PacerScheduler.system();
        private QuotaListener listener = QuotaListener.NONE;
        private double learnedBurstRatio = 1.0;
        private int coldStartConcurrency = 1;
        private ConcurrencyLimit defaultConcurrency = ConcurrencyLimit.unlimited();
        private final Map<QuotaKey, ConcurrencyLimit> concurrencyByKey = new HashMap<>();
        private final Map<QuotaKey, Map<Dimension, Limit>> limits = new HashMap<>();
        private QuotaStore store;

        private Builder() {
        }

        /**
         * Where the state of the provider's buckets lives (default: in memory, on this builder's clock,
         * with its {@link #learnedBurstRatio}). A store brings its own learned-burst rule.
         */
        public Builder store(QuotaStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The clock (default: the system clock). */
        public Builder clock(PacerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The scheduler that wakes waiting calls (default: the shared system scheduler). */
        public Builder scheduler(PacerScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Both, from one object (e.g. {@code VirtualTime}). */
        public <T extends PacerClock & PacerScheduler> Builder time(T time) {
            return clock(time).scheduler(time);
        }

        /** A known limit. Setting the same key and dimension twice is refused. */
        public Builder limit(QuotaKey key, Dimension dimension, Limit limit) {
            Map<Dimension, Limit> forKey = limits.computeIfAbsent(key, k -> new HashMap<>());
            if (forKey.containsKey(dimension)) {
                throw new IllegalArgumentException("The limit of " + dimension + " on '" + key + "' is set twice; set it once.");
            }
            forKey.put(dimension, Objects.requireNonNull(limit, "limit"));
            return this;
        }

        /** The concurrency limit of keys without their own (default: unlimited). */
        public Builder concurrency(ConcurrencyLimit limit) {
            this.defaultConcurrency = Objects.requireNonNull(limit, "concurrency limit");
            return this;
        }

        /** The concurrency limit of one key. */
        public Builder concurrency(QuotaKey key, ConcurrencyLimit limit) {
            concurrencyByKey.put(key, Objects.requireNonNull(limit, "concurrency limit"));
            return this;
        }

        /**
         * The burst capacity of limits learned from the provider, as a share of the per-minute
         * figure, for providers that enforce limits over windows shorter than a minute (default 1).
         */
        public Builder learnedBurstRatio(double ratio) {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("learnedBurstRatio must be in (0, 1], not " + ratio + ".");
            }
            this.learnedBurstRatio = ratio;
            return this;
        }

        /**
         * Calls in flight on a key about which nothing is known yet — no configured limit, no
         * call finished — so that a cold start does not fire a burst into unknown limits
         * (default 1; {@link Integer#MAX_VALUE} turns it off).
         */
        public Builder coldStartConcurrency(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("coldStartConcurrency must be at least 1, not " + calls + ".");
            }
            this.coldStartConcurrency = calls;
            return this;
        }

        /** Receives admission decisions. */
        public Builder listener(QuotaListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The quotas. */
        public Quotas build() {
            return new Quotas(this);
        }
    }
}
