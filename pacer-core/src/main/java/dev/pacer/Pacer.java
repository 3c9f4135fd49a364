package dev.pacer;

import dev.pacer.breaker.BreakerState;
import dev.pacer.internal.CircuitBreaker;
import dev.pacer.breaker.CircuitBreakerSettings;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.event.PacerEvent;
import dev.pacer.event.PacerListener;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.Quotas;
import dev.pacer.internal.RetryBudget;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.route.Target;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's entry point: paces, retries, calibrates and falls back. Thread-safe; build one per
 * process (or per account) and share it.
 *
 * <pre>{@code
 * Pacer pacer = Pacer.builder()
 *     .limit(key, Dimension.REQUESTS, Limit.perMinute(50))      // optional: limits are learned from headers
 *     .build();
 * CallSpec spec = CallSpec.builder()
 *     .route(Route.of(Target.of("anthropic", "claude-sonnet-4-5", key)))
 *     .cost(Cost.requests(1, 1_200, 800))
 *     .build();
 * CallResult<String> result = pacer.call(spec, ctx -> sendOneRequest(ctx));
 * }</pre>
 *
 * <p>The path of one call (see {@code CallExecution}): admit → attempt → classify → settle →
 * retry or fall back.
 */
public final class Pacer {

    final PacerClock clock;
    final PacerScheduler scheduler;
    final Executor executor;
    final Quotas quotas;
    final RetryPolicy retryPolicy;
    final BudgetSettings budgetSettings;
    final CircuitBreakerSettings breakerSettings;
    final PacerListener listener;
    private final java.util.concurrent.CopyOnWriteArrayList<PacerListener> added = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<Target, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Target, RetryBudget> budgets = new ConcurrentHashMap<>();
    private final AtomicLong callIds = new AtomicLong();

    private Pacer(Builder b) {
        this.clock = b.clock;
        this.scheduler = b.scheduler;
        this.executor = b.executor != null ? b.executor : Executors.newVirtualThreadPerTaskExecutor();
        this.listener = b.listener;
        this.retryPolicy = b.retryPolicy;
        this.budgetSettings = b.budget;
        this.breakerSettings = b.breaker;
        if (b.quotas != null) {
            this.quotas = b.quotas;
        } else {
            Quotas.Builder qb = Quotas.builder().clock(clock).scheduler(scheduler).listener(new EventBridge())
                    .concurrency(b.concurrency).learnedBurstRatio(b.learnedBurstRatio).coldStartConcurrency(b.coldStartConcurrency);
            if (b.store != null) {
                qb.store(b.store);
            }
            b.limits.forEach(l -> qb.limit(l.key, l.dimension, l.limit));
            b.concurrencyByKey.forEach(qb::concurrency);
            this.quotas = qb.build();
        }
    }

    /** A builder with the defaults: system clock, no known limits, default retry, budget and breaker. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs a call asynchronously: the future completes with the answering attempt's result, or
     * exceptionally with a {@link PacerException} ({@link CallFailed}, {@link QuotaWaitExceeded},
     * {@link CapacityExceeded}). Cancelling it gives up a place in line.
     */
    public <T> CompletableFuture<CallResult<T>> execute(CallSpec spec, Attempt<T> attempt) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(attempt, "attempt");
        CallExecution<T> execution = new CallExecution<>(this, callIds.incrementAndGet(), spec, attempt);
        execution.start();
        return execution.result();
    }

    /**
     * Runs a call and waits for it on the calling thread.
     *
     * @throws PacerException when the call failed
     */
    public <T> CallResult<T> call(CallSpec spec, Attempt<T> attempt) throws InterruptedException {
        CompletableFuture<CallResult<T>> future = execute(spec, attempt);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PacerException pacer) {
                throw pacer;
            }
            throw new PacerException("The call failed unexpectedly: " + cause, cause);
        }
    }

    /** The admission controller, for views, manual calibration and run-time limit changes. */
    public Quotas quotas() {
        return quotas;
    }

    /** The clock this engine runs on. */
    public PacerClock clock() {
        return clock;
    }

    /** The state of a target's circuit breaker. */
    public BreakerState breakerState(Target target) {
        return breaker(target).state();
    }

    CircuitBreaker breaker(Target target) {
        CircuitBreaker breaker = breakers.get(target);
        if (breaker != null) {
            return breaker;
        }
        return breakers.computeIfAbsent(target, t -> new CircuitBreaker(breakerSettings, clock,
                (from, to, callId, attempt) -> emit(new PacerEvent.BreakerStateChanged(clock.instant(), callId, attempt, t, from, to))));
    }

    RetryBudget budget(Target target) {
        RetryBudget budget = budgets.get(target);
        if (budget != null) {
            return budget;
        }
        return budgets.computeIfAbsent(target, t -> RetryBudget.of(clock, budgetSettings.ratio,
                budgetSettings.minRetriesPerSecond, budgetSettings.ttl));
    }

    /**
     * Adds a listener to the one given to the builder, so that something built after the engine (a
     * metrics binder, a status page) hears every later decision. Same rules as the builder's: called
     * synchronously, must be quick, exceptions swallowed.
     */
    public void addListener(PacerListener listener) {
        added.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addListener}; no effect when it was not added. */
    public void removeListener(PacerListener listener) {
        added.remove(listener);
    }

    void emit(PacerEvent event) {
        if (listener != PacerListener.NONE) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException ignored) {
                // A listener must never break a call.
            }
        }
        for (PacerListener more : added) {
            try {
                more.onEvent(event);
            } catch (RuntimeException ignored) {
                // A listener must never break a call.
            }
        }
    }

    /** Turns admission decisions into events. */
    private final class EventBridge implements QuotaListener {
        @Override
        public void onQueued(long callId, int attempt, QuotaKey key, Cost cost, Priority priority, int queueLength,
                             Duration waitEstimate) {
            emit(new PacerEvent.Queued(clock.instant(), callId, attempt, key, cost, priority, queueLength, waitEstimate));
        }

        @Override
        public void onAdmitted(long callId, int attempt, QuotaKey key, Cost cost, Priority priority, Duration waited) {
            emit(new PacerEvent.Admitted(clock.instant(), callId, attempt, key, cost, priority, waited));
        }

        @Override
        public void onPaused(long callId, int attempt, QuotaKey key, Dimension dimension, Instant until) {
            emit(new PacerEvent.QuotaPaused(clock.instant(), callId, attempt, key, dimension, until));
        }

        @Override
        public void onLimitChanged(long callId, int attempt, QuotaKey key, Dimension dimension, Limit limit) {
            emit(new PacerEvent.LimitChanged(clock.instant(), callId, attempt, key, dimension, limit));
        }

        @Override
        public void onCalibrated(long callId, int attempt, QuotaKey key, Dimension dimension, double before, double after) {
            emit(new PacerEvent.Calibrated(clock.instant(), callId, attempt, key, dimension, before, after));
        }

        @Override
        public void onShareChanged(long callId, int attempt, QuotaKey key, double before, double after, String reason) {
            emit(new PacerEvent.ShareChanged(clock.instant(), callId, attempt, key, before, after, reason));
        }
    }

    record BudgetSettings(double ratio, double minRetriesPerSecond, Duration ttl) {
    }

    private record KeyLimit(QuotaKey key, Dimension dimension, Limit limit) {
    }

    /** Builds a {@link Pacer}; every setting is validated when set. */
    public static final class Builder {
        private PacerClock clock = PacerClock.system();
        private PacerScheduler scheduler = PacerScheduler.system();
        private Executor executor;
        private Quotas quotas;
        private dev.pacer.spi.QuotaStore store;
        private final List<KeyLimit> limits = new ArrayList<>();
        private ConcurrencyLimit concurrency = ConcurrencyLimit.unlimited();
        private final java.util.Map<QuotaKey, ConcurrencyLimit> concurrencyByKey = new java.util.HashMap<>();
        private double learnedBurstRatio = 1.0;
        private int coldStartConcurrency = 1;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private BudgetSettings budget = new BudgetSettings(0.2, 1, Duration.ofSeconds(10));
        private CircuitBreakerSettings breaker = CircuitBreakerSettings.defaults();
        private PacerListener listener = PacerListener.NONE;

        private Builder() {
        }

        /** The clock (default: system). */
        public Builder clock(PacerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The scheduler for waits and retries (default: the shared system scheduler). */
        public Builder scheduler(PacerScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Clock and scheduler from one object, e.g. {@code VirtualTime} in tests. */
        public <T extends PacerClock & PacerScheduler> Builder time(T time) {
            return clock(time).scheduler(time);
        }

        /** Where attempts run (default: a virtual thread per attempt). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Use these quotas instead of building them here (then limit/concurrency settings here are refused). */
        public Builder quotas(Quotas quotas) {
            if (!limits.isEmpty() || !concurrencyByKey.isEmpty()) {
                throw new IllegalArgumentException("Set limits and concurrency on the Quotas you pass, or here, not both.");
            }
            this.quotas = Objects.requireNonNull(quotas, "quotas");
            return this;
        }

        /** A known limit (optional: limits are learned from the provider's headers). */
        public Builder limit(QuotaKey key, Dimension dimension, Limit limit) {
            requireOwnQuotas();
            limits.add(new KeyLimit(key, dimension, limit));
            return this;
        }

        /** The concurrency limit of every key (default: unlimited). */
        public Builder concurrency(ConcurrencyLimit limit) {
            requireOwnQuotas();
            this.concurrency = Objects.requireNonNull(limit, "concurrency");
            return this;
        }

        /** The concurrency limit of one key. */
        public Builder concurrency(QuotaKey key, ConcurrencyLimit limit) {
            requireOwnQuotas();
            concurrencyByKey.put(key, Objects.requireNonNull(limit, "concurrency"));
            return this;
        }

        /**
         * Where the state of the provider's buckets lives (default: in memory); a store shared by a
         * fleet (pacer-redis) makes every instance pace the same quota.
         */
        public Builder store(dev.pacer.spi.QuotaStore store) {
            requireOwnQuotas();
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The burst share of limits learned from headers (default 1: the whole minute). */
        public Builder learnedBurstRatio(double ratio) {
            requireOwnQuotas();
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("learnedBurstRatio must be in (0, 1], not " + ratio + ".");
            }
            this.learnedBurstRatio = ratio;
            return this;
        }

        /** Calls in flight on a key about which nothing is known yet (default 1; see {@link Quotas.Builder#coldStartConcurrency}). */
        public Builder coldStartConcurrency(int calls) {
            requireOwnQuotas();
            if (calls < 1) {
                throw new IllegalArgumentException("coldStartConcurrency must be at least 1, not " + calls + ".");
            }
            this.coldStartConcurrency = calls;
            return this;
        }

        /** The retry policy (default {@link RetryPolicy#defaults()}). */
        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
            return this;
        }

        /**
         * The retry budget per target: retries may add at most {@code ratio} of the first attempts
         * of the last {@code ttl}, plus {@code minRetriesPerSecond} (default 0.2, 1/s, 10 s).
         */
        public Builder retryBudget(double ratio, double minRetriesPerSecond, Duration ttl) {
            RetryBudget.of(PacerClock.system(), ratio, minRetriesPerSecond, ttl); // validates
            this.budget = new BudgetSettings(ratio, minRetriesPerSecond, ttl);
            return this;
        }

        /** The circuit breaker settings for every target. */
        public Builder breaker(CircuitBreakerSettings settings) {
            this.breaker = Objects.requireNonNull(settings, "breaker");
            return this;
        }

        /** Receives every decision. */
        public Builder listener(PacerListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The engine. */
        public Pacer build() {
            return new Pacer(this);
        }

        private void requireOwnQuotas() {
            if (quotas != null) {
                throw new IllegalArgumentException("Quotas were passed in: set limits and concurrency on them, not here.");
            }
        }
    }
}
