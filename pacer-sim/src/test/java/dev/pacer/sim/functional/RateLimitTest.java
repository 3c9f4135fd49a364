package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.OtpmMode;
import dev.pacer.sim.OtpmOverrun;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The rate limits over real HTTP: 429s, what they take (nothing), floods, the output modes, bursts, ramps, spend caps. */
class RateLimitTest {

    @Test
    void a429NamesTheDimensionSaysWhenToRetryAndTakesNothing() throws Exception {
        try (SimServer sim = SimServer.builder().limits(3, 30_000, 8_000).configure(s -> s.latency(0, 1e6, 0).retryAfterMs(true))
                .timeScale(10).start()) {
            Client c = new Client(sim, "sk-429");
            for (int i = 0; i < 3; i++) {
                assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(200);
            }
            double before = sim.level("sk-429", "sonnet-4", "input_tokens");
            HttpResponse<String> r = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            JsonNode error = json(r).path("error");
            assertThat(error.path("type").asText()).isEqualTo("rate_limit_error");
            assertThat(error.path("message").asText()).contains("of 3 requests per minute");
            // One request refills in 20 simulated seconds at 3 per minute.
            long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
            assertThat(retryAfter).isBetween(19L, 20L);
            long retryAfterMs = Long.parseLong(r.headers().firstValue("retry-after-ms").orElseThrow());
            assertThat(retryAfterMs).as("wall-clock milliseconds at 10x").isBetween(1_800L, 2_000L);
            assertThat(r.headers().firstValue("x-should-retry")).contains("true");
            assertThat(r.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("0");
            assertThat(r.headers().map().keySet().stream().filter(h -> h.startsWith("anthropic-ratelimit-"))).hasSize(12);
            assertThat(sim.level("sk-429", "sonnet-4", "input_tokens")).isGreaterThanOrEqualTo(before);
            SimStats.PoolStats pool = sim.snapshot().pool("sk-429", "sonnet-4");
            assertThat(pool.requests().admitted()).isEqualTo(3);
            assertThat(pool.requests().rateLimited()).isEqualTo(1);
            HttpResponse<String> input = new Client(sim, "sk-big").post("/v1/messages", message("claude-sonnet-4-5", 10, 40_000, false, 0).toString());
            assertThat(input.statusCode()).isEqualTo(429);
            assertThat(json(input).path("error").path("message").asText()).contains("of 30,000 input tokens per minute");
        }
    }

    @Test
    void aModelsAliasesAndDatedIdsDrawOnOneBucketAndOtherClassesOnTheirOwn() throws Exception {
        try (SimServer sim = SimServer.builder().limits(3, 30_000, 8_000).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-pooled");
            for (String id : List.of("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-sonnet-4-6")) {
                assertThat(c.post("/v1/messages", message(id, 5, 2, false, 0).toString()).statusCode()).as(id).isEqualTo(200);
            }
            HttpResponse<String> fourth = c.post("/v1/messages", message("claude-sonnet-4-0", 5, 2, false, 0).toString());
            assertThat(fourth.statusCode()).as("Sonnet 4.x is one pool").isEqualTo(429);
            assertThat(c.post("/v1/messages", message("claude-sonnet-5", 5, 2, false, 0).toString()).statusCode())
                    .as("a newer model has its own bucket").isEqualTo(200);
            assertThat(sim.snapshot().pool("sk-pooled", "sonnet-4").requests().admitted()).isEqualTo(3);
        }
    }

    @Test
    void cacheReadsCountTowardInputTokensOnlyWhereTheClassSaysSo() throws Exception {
        // Haiku 3.5 (a dagger model in the reference) counts cache reads; Haiku 4.5 does not.
        try (SimServer sim = SimServer.builder().timeScale(100).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-cache-reads");
            String system = "[{\"type\":\"text\",\"text\":\"" + "policy ".repeat(3000) + "\",\"cache_control\":{\"type\":\"ephemeral\"}}]";
            for (String model : List.of("claude-3-5-haiku-20241022", "claude-haiku-4-5")) {
                String body = "{\"model\":\"" + model + "\",\"max_tokens\":5,\"system\":" + system
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"question %d\"}]}";
                JsonNode first = json(c.post("/v1/messages", body.formatted(1))).path("usage");
                JsonNode second = json(c.post("/v1/messages", body.formatted(2))).path("usage");
                long read = second.path("cache_read_input_tokens").asLong();
                assertThat(read).as(model).isGreaterThan(2_048);
                long without = first.path("input_tokens").asLong() + first.path("cache_creation_input_tokens").asLong()
                        + second.path("input_tokens").asLong() + second.path("cache_creation_input_tokens").asLong();
                String cls = model.contains("3-5") ? "haiku-3-5" : "haiku-4-5";
                long admitted = sim.snapshot().pool("sk-cache-reads", cls).inputTokens().admitted();
                assertThat(admitted).as(model).isEqualTo(model.contains("3-5") ? without + read : without);
            }
        }
    }

    @Test
    void withOrganizationScopeEveryKeyDrawsOnTheSameBuckets() throws Exception {
        for (dev.pacer.sim.LimitScope scope : dev.pacer.sim.LimitScope.values()) {
            try (SimServer sim = SimServer.builder().limits(2, 30_000, 8_000)
                    .configure(s -> s.latency(0, 1e6, 0).limitScope(scope)).start()) {
                Client a = new Client(sim, "sk-team-a");
                Client b = new Client(sim, "sk-team-b");
                assertThat(a.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
                assertThat(b.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
                int third = a.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode();
                if (scope == dev.pacer.sim.LimitScope.ORGANIZATION) {
                    assertThat(third).as("two keys of one organisation spent its 2 requests").isEqualTo(429);
                    assertThat(sim.snapshot().pool(SimStats.ORGANIZATION, "sonnet-4").requests().admitted()).isEqualTo(2);
                    assertThat(sim.snapshot().pool("sk-team-a", "sonnet-4")).isNull();
                } else {
                    assertThat(third).as("each key has its own 2 requests").isEqualTo(200);
                    assertThat(sim.snapshot().pool("sk-team-a", "sonnet-4").requests().admitted()).isEqualTo(2);
                }
            }
        }
    }

    @Test
    void theShouldRetryHeaderOnA429IsASetting() throws Exception {
        try (SimServer sim = SimServer.builder().limits(1, 30_000, 8_000).configure(s -> s.latency(0, 1e6, 0).shouldRetryHeader(false)).start()) {
            Client c = new Client(sim, "sk-no-should-retry");
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("retry-after")).isPresent();
            assertThat(r.headers().firstValue("x-should-retry")).isEmpty();
        }
    }

    @Test
    void aFloodFromManyThreadsNeverExceedsAnyLimitTheSimulatorEnforces() throws Exception {
        for (OtpmMode mode : OtpmMode.values()) {
            try (SimServer sim = SimServer.builder().limits(120, 40_000, 6_000).timeScale(60)
                    .configure(s -> s.otpmMode(mode).latency(0.2, 400, 0.2)).start();
                 ExecutorService pool = Executors.newFixedThreadPool(32)) {
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger limited = new AtomicInteger();
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 32; t++) {
                    int seed = t;
                    all.add(pool.submit(() -> {
                        Client c = new Client(sim, "sk-flood");
                        for (int i = 0; i < 25; i++) {
                            int status = c.post("/v1/messages", message("claude-sonnet-4-5", 50 + (seed * 37 + i * 11) % 400,
                                    50 + (seed * 13 + i * 7) % 900, i % 3 == 0, 0).toString()).statusCode();
                            (status == 200 ? ok : limited).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get();
                }
                SimStats stats = sim.snapshot();
                assertThat(ok.get()).isPositive();
                assertThat(limited.get()).as("the flood must hit the limits").isPositive();
                assertThat(stats.requests()).isEqualTo(800);
                assertThat(stats.responses(200) + stats.responses(429)).isEqualTo(800);
                SimStats.PoolStats p = stats.pool("sk-flood", "sonnet-4");
                assertThat(p.requests().overadmission()).as(mode + ": " + sim.stats()).isZero();
                assertThat(p.inputTokens().overadmission()).isZero();
                assertThat(p.requests().maxInWindow()).isLessThanOrEqualTo(p.requests().windowAllowance());
                if (mode == OtpmMode.RESERVE_MAX_TOKENS) {
                    assertThat(stats.maxWindowOveradmission()).as(mode + ": " + sim.stats()).isZero();
                    assertThat(p.outputTokens().level()).isNotNegative();
                }
                // Counted as generated, a naive flood can run the output bucket into debt: the next test measures it.
            }
        }
    }

    @Test
    void outputCountedAsGeneratedRunsIntoDebtAndTheProofShowsByHowMuch() throws Exception {
        // The first token comes after 20 simulated seconds (1 s of wall time): all eight are admitted before any output.
        try (SimServer sim = SimServer.builder().limits(1_000, 1_000_000, 1_000).timeScale(20)
                .configure(s -> s.latency(20, 1_000, 0)).start();
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            // Eight answers of 600 tokens start at once on a 1,000-token bucket: generation overdraws it.
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit(() -> new Client(sim, "sk-debt").post("/v1/messages", message("claude-sonnet-4-5", 1_000, 5, false, 600).toString())));
            }
            for (Future<HttpResponse<String>> f : calls) {
                assertThat(f.get().statusCode()).isEqualTo(200);
            }
            SimStats.PoolStats p = sim.snapshot().pool("sk-debt", "sonnet-4");
            assertThat(p.outputTokens().level()).isNegative();
            assertThat(p.outputTokens().overadmission()).isGreaterThan(3_000);
            HttpResponse<String> next = new Client(sim, "sk-debt").post("/v1/messages", message("claude-sonnet-4-5", 10, 5, false, 0).toString());
            assertThat(next.statusCode()).isEqualTo(429);
            assertThat(json(next).path("error").path("message").asText()).contains("output tokens per minute");
        }
    }

    @Test
    void withCutAGenerationThatEmptiesTheBucketStopsAndTheDemandIsStillMeasured() throws Exception {
        try (SimServer sim = SimServer.builder().limits(1_000, 1_000_000, 1_000).timeScale(20)
                .configure(s -> s.otpmOverrun(OtpmOverrun.CUT).latency(20, 1_000, 0)).start();
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                boolean stream = i % 2 == 0;
                calls.add(pool.submit(() -> new Client(sim, "sk-cut").post("/v1/messages", message("claude-sonnet-4-5", 1_000, 5, stream, 600).toString())));
            }
            int cut = 0;
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 429 || r.body().contains("event: error")) {
                    cut++;
                    assertThat(r.body()).contains("rate_limit_error").contains("output tokens per minute");
                }
            }
            assertThat(cut).isPositive();
            SimStats.PoolStats p = sim.snapshot().pool("sk-cut", "sonnet-4");
            assertThat(p.outputTokens().level()).isGreaterThanOrEqualTo(-1e-9);
            assertThat(p.outputTokens().cuts()).isEqualTo(cut);
            assertThat(p.outputTokens().overadmission()).as("measured on what was asked for").isGreaterThan(1_000);
        }
    }

    @Test
    void aSubMinuteBurstLimitRefusesABurstThePerMinuteFigureWouldAllow() throws Exception {
        try (SimServer sim = SimServer.builder().limits(60, 1_000_000, 1_000_000).configure(s -> s.burstRatio(1.0 / 60).latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-burst");
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> second = c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.headers().firstValue("retry-after")).contains("1");
            assertThat(second.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("60");
        }
    }

    @Test
    void limitsChangeAtRunTimeAndResetRefillsEverything() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-change");
            assertThat(c.post("/v1/messages", message("claude-opus-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
            sim.reconfigure(s -> s.limits(1, 30_000, 8_000));
            // The bucket keeps its level, capped to the new capacity: one request left.
            assertThat(c.post("/v1/messages", message("claude-opus-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = c.post("/v1/messages", message("claude-opus-4-5", 5, 2, false, 0).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("1");
            sim.reset();
            assertThat(sim.snapshot().requests()).isZero();
            assertThat(c.post("/v1/messages", message("claude-opus-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aSharpRampIsRefusedByTheAccelerationLimiterWith429OrLegacy529() throws Exception {
        for (boolean legacy : new boolean[] {false, true}) {
            try (SimServer sim = SimServer.builder().tier(dev.pacer.sim.Tier.TIER_1)
                    .configure(s -> s.acceleration(true, 4, legacy).latency(0, 1e6, 0)).start()) {
                Client c = new Client(sim, "sk-ramp");
                int refused = 0;
                for (int i = 0; i < 20 && refused == 0; i++) {
                    HttpResponse<String> r = c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
                    if (r.statusCode() != 200) {
                        refused++;
                        assertThat(r.statusCode()).isEqualTo(legacy ? 529 : 429);
                        assertThat(json(r).path("error").path("type").asText()).isEqualTo(legacy ? "overloaded_error" : "rate_limit_error");
                    }
                }
                // 50 RPM with no history: more than 4 × 25% of the limit's rate over 10 s (8 requests) is a sharp ramp,
                // although the bucket itself would take 50.
                assertThat(refused).isPositive();
                assertThat(sim.snapshot().faults()).containsKey("acceleration_limit");
            }
        }
    }

    @Test
    void requestsTheBucketsRefusedAreNoUsageForTheAccelerationLimiter() throws Exception {
        // A ramp is more than 40 × (25% of 10 RPM) = 100 per minute over 10 s: 17 requests. The bucket admits 10;
        // a client retrying its 429s at once must meet the bucket's 429s, not an acceleration limit.
        try (SimServer sim = SimServer.builder().limits(10, 1_000_000, 1_000_000)
                .configure(s -> s.acceleration(true, 40, false).latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-retrying");
            int ok = 0;
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(json(r).path("error").path("message").asText()).as("attempt " + i).contains("of 10 requests per minute");
                }
            }
            assertThat(ok).isEqualTo(10);
            assertThat(sim.snapshot().faults()).doesNotContainKey("acceleration_limit");
        }
    }

    @Test
    void theSpendCapAnswers429WithItsErrorCodeAndNoRetryAfter() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.spendCap(new SimSettings.SpendCap(true, 2)).latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-spend");
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = c.post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(json(r).path("error").path("details").path("error_code").asText()).isEqualTo("enforced_spend_limit_reached");
            assertThat(json(r).path("error").path("message").asText()).contains("regain access on").contains("at 00:00 UTC");
            assertThat(r.headers().firstValue("retry-after")).isEmpty();
        }
    }
}
