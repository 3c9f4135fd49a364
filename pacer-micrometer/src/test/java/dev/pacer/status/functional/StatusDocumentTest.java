package dev.pacer.status.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.micrometer.functional.Traffic;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import dev.pacer.status.PacerStatus;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.time.ScaledClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** /status.json while Pacer's client sends to the simulator: its figures against the simulator's and the engine's. */
class StatusDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-status-test-key";

    @Test
    void theDocumentShowsPoolsBreakersFallbacksAndLimitsWithTheirSourceAndNoKey() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(21).start()) {
            double now = sim.clock().seconds();
            sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            QuotaKey haiku = AnthropicQuotaKeys.forModelClass(ApiKey.of(KEY), "haiku-4-5");
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).limit(haiku, Dimension.REQUESTS, Limit.perMinute(900)).build();
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer)
                    .fallbackModels(List.of("claude-sonnet-4-5")).build();
                 PacerStatus status = PacerStatus.watch(claude)) {
                List<CompletableFuture<?>> calls = new ArrayList<>();
                for (int wave = 0; wave < 4; wave++) {
                    List<CompletableFuture<?>> inWave = Traffic.calls(claude, "claude-opus-4-5", 8, CallOptions.defaults());
                    Traffic.join(inWave);
                    calls.addAll(inWave);
                }
                Traffic.join(Traffic.calls(claude, "claude-haiku-4-5", 3, CallOptions.defaults()));
                QuotaKey batches = AnthropicQuotaKeys.batches(ApiKey.of(KEY));
                pacer.quotas().setLimit(batches, Dimension.REQUESTS, Limit.perMinute(50)); // set by hand, never used
                String text = status.json();

                JsonNode doc = JSON.readTree(text);
                SimStats stats = sim.snapshot();

                assertThat(text).doesNotContain(KEY).doesNotContain("sk-ant");
                assertThat(doc.path("last_15_minutes").path("overloaded").asLong()).isPositive().isEqualTo(stats.responses(529));
                assertThat(doc.path("last_15_minutes").path("responses").asLong()).isEqualTo(stats.requests());
                assertThat(doc.path("last_15_minutes").path("rate_limited").asLong()).isEqualTo(stats.responses(429));
                assertThat(doc.path("series")).hasSize(90);
                long seriesOverloaded = 0;
                for (JsonNode b : doc.path("series")) {
                    seriesOverloaded += b.path("overloaded").asLong();
                }
                assertThat(seriesOverloaded).isEqualTo(stats.responses(529));

                String fingerprint = ApiKey.of(KEY).fingerprint();
                JsonNode sonnet = find(doc.path("pools"), "pool", "anthropic:" + fingerprint + ":sonnet-4");
                assertThat(sonnet).as("the fallback's pool").isNotNull();
                JsonNode requests = find(sonnet.path("dimensions"), "name", "requests");
                assertThat(requests.path("limit").asLong()).isEqualTo(1_000); // Tier 2, learned from the headers
                assertThat(requests.path("limit_source").asText()).isEqualTo("headers");
                assertThat(requests.path("level").asDouble()).isBetween(0.0, 1_000.0);
                assertThat(sonnet.path("in_flight").asInt()).isZero();
                assertThat(sonnet.path("waiting").path("normal").asInt()).isZero();
                // Configured at 900, then the headers said 1,000: the page says where the limit in force came from.
                JsonNode haikuPool = find(doc.path("pools"), "pool", haiku.id());
                assertThat(find(haikuPool.path("dimensions"), "name", "requests").path("limit").asLong()).isEqualTo(1_000);
                assertThat(find(haikuPool.path("dimensions"), "name", "requests").path("limit_source").asText()).isEqualTo("headers");
                JsonNode batchesPool = find(doc.path("pools"), "pool", batches.id());
                assertThat(find(batchesPool.path("dimensions"), "name", "requests").path("limit").asLong()).isEqualTo(50);
                assertThat(find(batchesPool.path("dimensions"), "name", "requests").path("limit_source").asText()).isEqualTo("configured");
                JsonNode opus = find(doc.path("pools"), "pool", "anthropic:" + fingerprint + ":opus-4");
                assertThat(opus.path("last_15_minutes").path("overloaded").asLong()).isEqualTo(stats.responses(529));

                JsonNode opusBreaker = find(doc.path("breakers"), "target", "anthropic/claude-opus-4-5");
                assertThat(opusBreaker.path("state").asText()).isIn("open", "half_open");
                assertThat(find(doc.path("breakers"), "target", "anthropic/claude-sonnet-4-5").path("state").asText()).isEqualTo("closed");
                assertThat(doc.path("recent_fallbacks")).isNotEmpty().hasSizeLessThanOrEqualTo(20);
                JsonNode fallback = doc.path("recent_fallbacks").get(0);
                assertThat(fallback.path("from").asText()).isEqualTo("claude-opus-4-5");
                assertThat(fallback.path("to").asText()).isEqualTo("claude-sonnet-4-5");
                assertThat(fallback.path("reason").asText()).isIn("breaker_open", "retries_exhausted", "budget_exhausted");
                assertThat(doc.path("limits_learned")).anyMatch(l -> l.path("source").asText().equals("headers"))
                        .anyMatch(l -> l.path("source").asText().equals("configured"));
            }
        }
    }

    static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (n.path(field).asText().equals(value)) {
                return n;
            }
        }
        return null;
    }
}
