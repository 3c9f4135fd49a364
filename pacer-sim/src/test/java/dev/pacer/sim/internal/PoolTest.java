package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pacer.sim.OtpmMode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The buckets on explicit simulated time: no clock, no HTTP. */
class PoolTest {

    private static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");

    private static Pool pool(long rpm, long itpm, long otpm) {
        return new Pool("key-1", "sonnet-4", new Pool.PoolLimits(rpm, itpm, otpm, 1.0), 60, 0);
    }

    @Test
    void admissionIsAllOrNothingAndARefusalSaysWhichDimensionAndWhen() {
        Pool p = pool(50, 30_000, 8_000);
        Admission big = p.admit(0, 31_000, 100, OtpmMode.ACTUAL);
        assertThat(big.admitted()).isFalse();
        assertThat(big.dimension()).isEqualTo(Pool.INPUT);
        assertThat(p.level(Pool.REQUESTS, 0)).isEqualTo(50);
        assertThat(p.admit(0, 29_000, 100, OtpmMode.ACTUAL).admitted()).isTrue();
        Admission next = p.admit(0, 2_000, 100, OtpmMode.ACTUAL);
        assertThat(next.admitted()).isFalse();
        // 1,000 missing at 500 tokens per second: 2 seconds.
        assertThat(next.waitSeconds()).isCloseTo(2, within(1e-9));
        assertThat(next.retryAfterSeconds()).isEqualTo(2);
        assertThat(p.level(Pool.REQUESTS, 0)).isEqualTo(49);
    }

    @Test
    void reserveModeHoldsMaxTokensAndGivesBackTheUnusedPartWithoutOverfilling() {
        Pool p = pool(50, 30_000, 8_000);
        Admission a = p.admit(0, 100, 8_000, OtpmMode.RESERVE_MAX_TOKENS);
        assertThat(a.admitted()).isTrue();
        assertThat(p.admit(0, 100, 1, OtpmMode.RESERVE_MAX_TOKENS).dimension()).isEqualTo(Pool.OUTPUT);
        // While held, the refill stops at capacity minus the reservation.
        assertThat(p.level(Pool.OUTPUT, 30)).isZero();
        p.settle(30, a, 100);
        assertThat(p.level(Pool.OUTPUT, 30)).isEqualTo(7_900);
        assertThat(p.snapshot(30).outputTokens().overadmission()).isZero();
    }

    @Test
    void generationInActualModeCanRunIntoDebtOrBeCut() {
        Pool p = pool(50, 30_000, 1_000);
        assertThat(p.admit(0, 10, 5_000, OtpmMode.ACTUAL).admitted()).isTrue();
        assertThat(p.generated(1, 3_000, false)).isTrue();
        assertThat(p.level(Pool.OUTPUT, 1)).isCloseTo(-2_000, within(1e-9));
        assertThat(p.admit(1, 10, 10, OtpmMode.ACTUAL).dimension()).isEqualTo(Pool.OUTPUT);
        // 3,000 at one instant against a capacity of 1,000.
        assertThat(p.snapshot(1).outputTokens().overadmission()).isCloseTo(2_000, within(1e-6));

        Pool q = pool(50, 30_000, 1_000);
        assertThat(q.generated(0, 900, true)).isTrue();
        assertThat(q.generated(0, 200, true)).isFalse();
        q.cut(0, 500);
        assertThat(q.level(Pool.OUTPUT, 0)).isCloseTo(100, within(1e-9));
        assertThat(q.snapshot(0).outputTokens().cuts()).isEqualTo(1);
        assertThat(q.snapshot(0).outputTokens().overadmission()).isCloseTo(400, within(1e-9));
    }

    @Test
    void theHeadersHaveTheApisFormats() {
        Pool p = pool(50, 30_000, 8_000);
        p.admit(0, 10_400, 100, OtpmMode.ACTUAL);
        p.generated(0, 300, false);
        Map<String, String> h = p.headers(0, T0);
        assertThat(h).hasSize(12);
        assertThat(h).containsEntry("anthropic-ratelimit-requests-limit", "50")
                .containsEntry("anthropic-ratelimit-requests-remaining", "49")
                .containsEntry("anthropic-ratelimit-input-tokens-limit", "30000")
                .containsEntry("anthropic-ratelimit-input-tokens-remaining", "20000")
                .containsEntry("anthropic-ratelimit-output-tokens-remaining", "8000")
                .containsEntry("anthropic-ratelimit-tokens-limit", "38000")
                .containsEntry("anthropic-ratelimit-tokens-remaining", "27000");
        // Full again: 1 request at 50/min takes 1.2 s; 10,400 input tokens at 500/s take 20.8 s; both rounded up to the second.
        assertThat(h).containsEntry("anthropic-ratelimit-requests-reset", "2026-11-24T12:00:02Z")
                .containsEntry("anthropic-ratelimit-input-tokens-reset", "2026-11-24T12:00:21Z")
                .containsEntry("anthropic-ratelimit-tokens-reset", "2026-11-24T12:00:21Z");
    }

    /**
     * Many threads admitting into one pool at the same instant take exactly what the buckets hold.
     * The HTTP flood (RateLimitTest) passed even with admission unsynchronised: over HTTP the
     * threads rarely meet inside the pool. Here they do, sixteen at a time, 80,000 attempts on 1,000.
     */
    @Test
    void admissionsFromManyThreadsAtOnceTakeExactlyWhatTheBucketsHold() throws Exception {
        for (OtpmMode mode : OtpmMode.values()) {
            Pool p = pool(1_000, 1_000_000_000, 1_000_000_000);
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(16);
            java.util.concurrent.atomic.AtomicLong admitted = new java.util.concurrent.atomic.AtomicLong();
            try (var threads = java.util.concurrent.Executors.newFixedThreadPool(16)) {
                java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    all.add(threads.submit(() -> {
                        together.await();
                        for (int i = 0; i < 5_000; i++) {
                            if (p.admit(0, 7, 3, mode).admitted()) {
                                admitted.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (var f : all) {
                    f.get();
                }
            }
            assertThat(admitted.get()).as(mode.id()).isEqualTo(1_000);
            var stats = p.snapshot(0);
            assertThat(stats.requests().admitted()).isEqualTo(1_000);
            assertThat(stats.inputTokens().admitted()).isEqualTo(7_000);
            assertThat(stats.requests().level()).isZero();
            assertThat(stats.requests().overadmission()).isZero();
            assertThat(stats.requests().rateLimited()).isEqualTo(80_000 - 1_000);
        }
    }

    @Test
    void aSmallerBurstEnforcesTheLimitOverShorterWindows() {
        Pool p = new Pool("key-1", "sonnet-4", new Pool.PoolLimits(60, 60_000, 60_000, 1.0 / 60), 60, 0);
        assertThat(p.admit(0, 1, 1, OtpmMode.ACTUAL).admitted()).isTrue();
        Admission second = p.admit(0.5, 1, 1, OtpmMode.ACTUAL);
        assertThat(second.dimension()).isEqualTo(Pool.REQUESTS);
        assertThat(second.waitSeconds()).isCloseTo(0.5, within(1e-9));
        assertThat(second.retryAfterSeconds()).isEqualTo(1);
    }
}
