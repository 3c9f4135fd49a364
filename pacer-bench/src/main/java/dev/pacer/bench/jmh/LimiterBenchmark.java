package dev.pacer.bench.jmh;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One admission through each limiter, with limits so high that nobody ever waits: what the
 * limiter itself costs per call. Pacer's call is a three-dimension reservation (requests, input
 * and output tokens) plus its settlement with the actual usage, the way every LLM call uses it;
 * the peers do their nearest equivalent, a single-dimension permit (they have no settlement;
 * Bucket4j's consume-and-refund is the closest and is measured too). Every limiter is shared by
 * the threads, so the {@code _2threads} and {@code _4threads} variants measure contention.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xms512m")
@State(Scope.Benchmark)
public class LimiterBenchmark {

    private static final long HUGE = 1_000_000_000_000_000L;

    private final QuotaKey key = QuotaKey.of("anthropic:bench:sonnet-4");
    private final QuotaKey requestsOnly = QuotaKey.of("anthropic:bench:requests-only");
    private final Cost estimate = Cost.requests(1, 1_200, 600);
    private final Cost actual = Cost.requests(1, 1_180, 240);
    private final Cost oneRequest = Cost.of(Dimension.REQUESTS, 1);
    private Quotas quotas;
    private Bucket bucket4j;
    private RateLimiter resilience4j;
    private com.google.common.util.concurrent.RateLimiter guava;
    private dev.failsafe.RateLimiter<Object> failsafe;

    @Setup
    public void setUp() {
        Limit huge = Limit.of(HUGE, HUGE, Duration.ofSeconds(1));
        quotas = Quotas.builder()
                .limit(key, Dimension.REQUESTS, huge).limit(key, Dimension.INPUT_TOKENS, huge).limit(key, Dimension.OUTPUT_TOKENS, huge)
                .limit(requestsOnly, Dimension.REQUESTS, huge)
                .build();
        // Bucket4j refills at most 1 token per nanosecond.
        bucket4j = Bucket.builder().addLimit(Bandwidth.builder().capacity(HUGE).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).build())
                .build();
        resilience4j = RateLimiter.of("bench", RateLimiterConfig.custom().limitForPeriod(Integer.MAX_VALUE)
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
        guava = com.google.common.util.concurrent.RateLimiter.create(1e12);
        failsafe = dev.failsafe.RateLimiter.burstyBuilder(1_000_000_000_000L, Duration.ofSeconds(1)).build();
    }

    // ---------------------------------------------------------------- one thread

    /** Pacer: reserve requests + input + output tokens, then settle with the actual usage (non-blocking path). */
    @Benchmark
    public Permit pacer_3d_reserveSettle() {
        Permit p = quotas.tryAcquire(key, estimate);
        p.settle(actual);
        return p;
    }

    /** Pacer: the same through the asynchronous API every call uses (a completed future on the fast path). */
    @Benchmark
    public Permit pacer_3d_acquireSettle() {
        Permit p = quotas.acquire(key, estimate, Priority.NORMAL, null).join();
        p.settle(actual);
        return p;
    }

    /** Pacer: one dimension, one request, released: the like-for-like of the peers' single permit. */
    @Benchmark
    public Permit pacer_1d_reserveRelease() {
        Permit p = quotas.tryAcquire(requestsOnly, oneRequest);
        p.release();
        return p;
    }

    /** Bucket4j (lock-free, in memory): one token. */
    @Benchmark
    public boolean bucket4j_tryConsume() {
        return bucket4j.tryConsume(1);
    }

    /** Bucket4j: take the estimate, give back the difference: its nearest to a settlement. */
    @Benchmark
    public boolean bucket4j_consumeAndRefund() {
        boolean ok = bucket4j.tryConsume(600);
        bucket4j.addTokens(360);
        return ok;
    }

    /** Resilience4j's AtomicRateLimiter: one permission. */
    @Benchmark
    public boolean resilience4j_acquirePermission() {
        return resilience4j.acquirePermission();
    }

    /** Guava's SmoothBursty RateLimiter: one permit. */
    @Benchmark
    public boolean guava_tryAcquire() {
        return guava.tryAcquire();
    }

    /** Failsafe's bursty RateLimiter: one permit. */
    @Benchmark
    public boolean failsafe_tryAcquirePermit() {
        return failsafe.tryAcquirePermit();
    }

    // ---------------------------------------------------------------- floors

    /** What reading the monotonic clock costs on this machine: every limiter here does it once per call. */
    @Benchmark
    public long floor_nanoTime() {
        return System.nanoTime();
    }

    private long floorSink;

    /**
     * The least a locked reserve + settle can cost: one clock read and two uncontended monitor
     * pairs, with no bucket work. The distance from it to {@code pacer_3d_reserveSettle} is
     * Pacer's own bookkeeping.
     */
    @Benchmark
    public long floor_clockAndTwoLocks() {
        long t;
        synchronized (this) {
            t = System.nanoTime();
            floorSink += t;
        }
        synchronized (this) {
            floorSink--;
        }
        return t;
    }

    // ---------------------------------------------------------------- two threads on one limiter

    @Benchmark
    @Threads(2)
    public Permit pacer_3d_reserveSettle_2threads() {
        return pacer_3d_reserveSettle();
    }

    @Benchmark
    @Threads(2)
    public Permit pacer_1d_reserveRelease_2threads() {
        return pacer_1d_reserveRelease();
    }

    @Benchmark
    @Threads(2)
    public boolean bucket4j_tryConsume_2threads() {
        return bucket4j_tryConsume();
    }

    /** Bucket4j's nearest to a settlement, contended: the like-for-like of Pacer's 2-thread reserve + settle. */
    @Benchmark
    @Threads(2)
    public boolean bucket4j_consumeAndRefund_2threads() {
        return bucket4j_consumeAndRefund();
    }

    @Benchmark
    @Threads(2)
    public boolean resilience4j_acquirePermission_2threads() {
        return resilience4j_acquirePermission();
    }

    @Benchmark
    @Threads(2)
    public boolean guava_tryAcquire_2threads() {
        return guava_tryAcquire();
    }

    @Benchmark
    @Threads(2)
    public boolean failsafe_tryAcquirePermit_2threads() {
        return failsafe_tryAcquirePermit();
    }

    // Four threads on one limiter (the machine has two cores: four runnable threads also measure a limiter's
    // behaviour when its holder is descheduled, as on a busy host).

    @Benchmark
    @Threads(4)
    public Permit pacer_3d_reserveSettle_4threads() {
        return pacer_3d_reserveSettle();
    }

    @Benchmark
    @Threads(4)
    public boolean bucket4j_consumeAndRefund_4threads() {
        return bucket4j_consumeAndRefund();
    }

    @Benchmark
    @Threads(4)
    public boolean resilience4j_acquirePermission_4threads() {
        return resilience4j_acquirePermission();
    }

    @Benchmark
    @Threads(4)
    public boolean guava_tryAcquire_4threads() {
        return guava_tryAcquire();
    }

    @Benchmark
    @Threads(4)
    public boolean failsafe_tryAcquirePermit_4threads() {
        return failsafe_tryAcquirePermit();
    }
}
