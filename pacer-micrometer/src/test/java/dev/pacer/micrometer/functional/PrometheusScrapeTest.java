package dev.pacer.micrometer.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A real PrometheusMeterRegistry, scraped and parsed while Pacer's client sends to the simulator over
 * HTTP; the figures are checked against what the simulator says it answered.
 */
class PrometheusScrapeTest {

    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-metrics-test-key";
    private static final String MODEL = "claude-sonnet-4-5";

    private static Pacer pacer(SimServer sim) {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        return Pacer.builder().clock(clock).scheduler(clock).build();
    }

    private static AnthropicPacer client(SimServer sim, Pacer pacer) {
        return AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer).build();
    }

    /** The simulator counts an answer as it writes it: give the last ones a moment to be counted. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(10);
        while (!condition.getAsBoolean() && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
    }

    private static Scrape scrape(PrometheusMeterRegistry registry) {
        return Scrape.parse(registry.scrape());
    }

    @Test
    void a529StormRaisesThe529SeriesAndNotThe429OneAndEveryAnswerIsCountedAsTheSimulatorCountedIt() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(SCALE).seed(11)
                .faults(FaultProfile.NONE.withOverloaded(0.35)).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pacer pacer = pacer(sim);
            try (AnthropicPacer claude = client(sim, pacer); PacerMetrics metrics = PacerMetrics.bind(claude, registry)) {
                List<CompletableFuture<?>> first = Traffic.calls(claude, MODEL, 30, CallOptions.defaults());
                Traffic.join(first);
                Scrape during = scrape(registry);
                List<CompletableFuture<?>> second = Traffic.calls(claude, MODEL, 30, CallOptions.defaults());
                Traffic.join(second);
                eventually(() -> sim.snapshot().requests() == scrape(registry).sum("pacer_upstream_responses_total"));
                Scrape after = scrape(registry);
                SimStats stats = sim.snapshot();

                double overloadedDuring = during.sum("pacer_upstream_responses_total", "status", "529");
                System.out.println("storm: requests=" + stats.requests() + " 529=" + stats.responses(529) + " 429=" + stats.responses(429) + " during529=" + overloadedDuring);
                double overloadedAfter = after.sum("pacer_upstream_responses_total", "status", "529");
                assertThat(overloadedDuring).as("529s after the first half").isPositive();
                assertThat(overloadedAfter).as("529s at the end").isGreaterThan(overloadedDuring)
                        .isEqualTo((double) stats.responses(529));
                assertThat(after.sum("pacer_upstream_responses_total", "status", "429")).isZero()
                        .isEqualTo((double) stats.responses(429));
                assertThat(after.sum("pacer_rate_limited_total")).isZero();
                assertThat(after.sum("pacer_upstream_responses_total")).as("every answer").isEqualTo((double) stats.requests());
                assertThat(after.sum("pacer_upstream_responses_total", "status", "200")).isEqualTo((double) stats.responses(200));
                assertThat(after.sum("pacer_upstream_responses_total", "status", "529", "outcome", "overloaded", "model", "sonnet-4"))
                        .isEqualTo(overloadedAfter);
                assertThat(after.sum("pacer_calls_total")).as("every call ended once").isEqualTo(60);
                assertThat(after.sum("pacer_retries_total", "reason", "overloaded")).isPositive();
                assertThat(after.sum("pacer_tokens_total", "direction", "output")).isPositive();
                assertThat(after.find("pacer_queue_wait_seconds", "priority", "normal", "quantile", "0.99")).hasSize(1);
                assertThat(after.find("pacer_quota_limit", "dimension", "requests")).singleElement()
                        .satisfies(s -> assertThat(s.value()).isEqualTo(4_000));
            }
        }
    }

    @Test
    void aQuotaFloodRaisesThe429SeriesByDimensionAndNotThe529One() throws Exception {
        try (SimServer sim = SimServer.builder().limits(40, 400_000, 80_000).timeScale(SCALE).seed(12).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pacer pacer = pacer(sim);
            try (AnthropicPacer claude = client(sim, pacer); PacerMetrics metrics = PacerMetrics.bind(claude, registry)) {
                Traffic.join(Traffic.calls(claude, MODEL, 5, CallOptions.defaults())); // learns the limits
                Scrape before = scrape(registry);
                Traffic.Flood flood = new Traffic.Flood(sim.baseUrl(), KEY, MODEL, 2).untilRateLimited();
                List<CompletableFuture<?>> calls = Traffic.calls(claude, MODEL, 15, CallOptions.defaults());
                Traffic.join(calls);
                flood.close();
                eventually(() -> sim.snapshot().requests() - flood.sent() == scrape(registry).sum("pacer_upstream_responses_total"));
                Scrape after = scrape(registry);
                SimStats stats = sim.snapshot();

                double rateLimited = after.sum("pacer_upstream_responses_total", "status", "429");
                System.out.println("flood: requests=" + stats.requests() + " flood=" + flood.sent() + " 429=" + stats.responses(429) + " flood429=" + flood.rateLimited() + " pacer429=" + rateLimited);
                assertThat(before.sum("pacer_upstream_responses_total", "status", "429")).isZero();
                assertThat(rateLimited).as("Pacer's 429s").isPositive().isEqualTo((double) (stats.responses(429) - flood.rateLimited()));
                assertThat(after.sum("pacer_upstream_responses_total", "status", "529")).isZero().isEqualTo((double) stats.responses(529));
                assertThat(after.sum("pacer_upstream_responses_total")).isEqualTo((double) (stats.requests() - flood.sent()));
                assertThat(after.sum("pacer_rate_limited_total", "dimension", "requests")).as("the dimension the simulator named")
                        .isEqualTo(rateLimited);
                assertThat(after.sum("pacer_quota_pauses_total")).isPositive();
            }
        }
    }

    @Test
    void manyDistinctKeysKeepTheSeriesBoundedAndNoTagHoldsAKey() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(SCALE).seed(13).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pacer pacer = pacer(sim);
            List<String> secrets = new ArrayList<>();
            try (AnthropicPacer claude = client(sim, pacer);
                 PacerMetrics metrics = PacerMetrics.builder().maxPools(10).bind(pacer, registry)) {
                for (int round = 0; round < 2; round++) {
                    List<CompletableFuture<?>> calls = new ArrayList<>();
                    for (int k = 0; k < 30; k++) {
                        String secret = "sk-ant-" + UUID.randomUUID();
                        secrets.add(secret);
                        calls.addAll(Traffic.calls(claude, k % 2 == 0 ? MODEL : "claude-haiku-4-5", 2, CallOptions.defaults().withApiKey(secret)));
                    }
                    Traffic.join(calls);
                    Scrape scrape = scrape(registry);
                    Set<String> pools = new HashSet<>();
                    scrape.samples().forEach(s -> {
                        if (s.labels().containsKey("pool")) {
                            pools.add(s.labels().get("pool"));
                        }
                    });
                    assertThat(pools).as("pools with series of their own, and 'other'").hasSizeLessThanOrEqualTo(11);
                    if (round == 1) {
                        // Series are bounded: 30 more keys (and their pools) added none.
                        assertThat(scrape.samples().size()).isEqualTo(seriesAfterFirstRound);
                    }
                    seriesAfterFirstRound = scrape.samples().size();
                    System.out.println("keys: series=" + seriesAfterFirstRound + " pools=" + pools.size());
                }
                String text = registry.scrape();
                for (String secret : secrets) {
                    assertThat(text).doesNotContain(secret).doesNotContain(secret.substring("sk-ant-".length(), 20));
                }
                assertThat(Scrape.parse(text).sum("pacer_calls_total", "outcome", "success")).isEqualTo(120);
                metrics.close();
                assertThat(registry.getMeters()).as("closing removes every meter of the binding").isEmpty();
            }
        }
    }

    @Test
    void tokensByDirectionAreTheApisUsageCacheReadsAndWritesIncluded() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(SCALE).seed(14).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pacer pacer = pacer(sim);
            try (AnthropicPacer claude = client(sim, pacer); PacerMetrics metrics = PacerMetrics.bind(claude, registry)) {
                List<AnthropicPacer.Reply> replies = new ArrayList<>();
                for (int i = 0; i < 4; i++) { // one after the other: the first writes the cache, the others read it
                    com.fasterxml.jackson.databind.node.ObjectNode p = Traffic.params(MODEL, 30);
                    p.putArray("system").addObject().put("type", "text").put("text", "You pace calls to a quota. ".repeat(400))
                            .putObject("cache_control").put("type", "ephemeral");
                    replies.add(claude.messages(p, CallOptions.defaults()).join());
                }
                Scrape after = scrape(registry);
                long cacheRead = replies.stream().mapToLong(r -> r.usage().cacheRead()).sum();
                long cacheWrite = replies.stream().mapToLong(r -> r.usage().cacheCreation()).sum();
                assertThat(cacheWrite).as("the simulator cached the prefix").isPositive();
                assertThat(cacheRead).as("and read it back").isPositive();
                assertThat(after.sum("pacer_tokens_total", "direction", "cache_write", "model", "sonnet-4")).isEqualTo((double) cacheWrite);
                assertThat(after.sum("pacer_tokens_total", "direction", "cache_read")).isEqualTo((double) cacheRead);
                assertThat(after.sum("pacer_tokens_total", "direction", "input"))
                        .isEqualTo((double) replies.stream().mapToLong(r -> r.usage().input()).sum());
                assertThat(after.sum("pacer_tokens_total", "direction", "output"))
                        .isEqualTo((double) replies.stream().mapToLong(r -> r.usage().output()).sum()).isPositive();
            }
        }
    }

    private int seriesAfterFirstRound;
}
