package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The simulator's own endpoints: clock, statistics, run-time configuration, reset; and prompt caching on its clock. */
class AdminTest {

    @Test
    void theClockRunsAtTheScaleFromItsStart() throws Exception {
        Instant start = Instant.parse("2026-12-01T00:00:00Z");
        try (SimServer sim = SimServer.builder().timeScale(60).configure(s -> s.clockStart(start)).start()) {
            Client c = new Client(sim, null);
            JsonNode first = json(c.get("/_sim/clock"));
            Thread.sleep(500);
            JsonNode second = json(c.get("/_sim/clock"));
            assertThat(first.path("scale").asDouble()).isEqualTo(60);
            assertThat(first.path("start").asText()).isEqualTo("2026-12-01T00:00:00Z");
            Duration elapsed = Duration.between(Instant.parse(first.path("now").asText()), Instant.parse(second.path("now").asText()));
            assertThat(elapsed.toMillis()).as("half a wall second is 30 simulated seconds").isBetween(29_000L, 120_000L);
            assertThat(Instant.parse(second.path("now").asText())).isAfter(start);
        }
    }

    @Test
    void statsAreJsonWithTheirTopLevelFiguresAndNeverTheKey() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-secret-key-123");
            c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            c.post("/v1/messages", "{}");
            HttpResponse<String> r = c.get("/_sim/stats");
            JsonNode stats = json(r);
            assertThat(r.body()).doesNotContain("sk-secret-key-123");
            assertThat(stats.path("requests").asLong()).isEqualTo(2);
            assertThat(stats.path("responses").path("200").asLong()).isEqualTo(1);
            assertThat(stats.path("responses").path("400").asLong()).isEqualTo(1);
            assertThat(stats.path("max_window_overadmission").asDouble()).isZero();
            JsonNode pool = stats.path("keys").path(SimStats.keyId("sk-secret-key-123")).path("sonnet-4");
            assertThat(pool.path("requests").path("admitted").asLong()).isEqualTo(1);
            assertThat(pool.path("input_tokens").path("limit_per_minute").asLong()).isEqualTo(30_000);
            assertThat(pool.path("output_tokens").has("overadmission")).isTrue();
            assertThat(json(c.post("/_sim/reset", "")).path("reset").asBoolean()).isTrue();
            assertThat(json(c.get("/_sim/stats")).path("requests").asLong()).isZero();
        }
    }

    @Test
    void anySettingChangesAtRunTimeFromASimYamlFragment() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            Client c = new Client(sim, null);
            HttpResponse<String> ok = c.send(c.request("/_sim/config").PUT(HttpRequest.BodyPublishers.ofString(
                    "limits: {rpm: 7, itpm: 7000, otpm: 700}\notpm-mode: reserve-max-tokens\n")));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(sim.settings().limits().classes().get("opus-4").rpm()).isEqualTo(7);
            assertThat(json(ok).path("otpm-mode").asText()).isEqualTo("reserve-max-tokens");
            HttpResponse<String> scale = c.send(c.request("/_sim/config").PUT(HttpRequest.BodyPublishers.ofString("time-scale: 5")));
            assertThat(scale.statusCode()).isEqualTo(400);
            assertThat(json(scale).path("error").path("message").asText()).contains("time-scale and clock-start cannot change");
            assertThat(c.get("/_sim/nothing").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aCachedPrefixIsReadWithinItsLifetimeOnTheSimulatedClock() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(300).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-cache");
            String system = "[{\"type\":\"text\",\"text\":\"" + "policy ".repeat(1500) + "\",\"cache_control\":{\"type\":\"ephemeral\"}}]";
            String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"system\":" + system
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"question %d\"}]}";
            JsonNode first = json(c.post("/v1/messages", body.formatted(1))).path("usage");
            JsonNode second = json(c.post("/v1/messages", body.formatted(2))).path("usage");
            long counted = json(c.post("/v1/messages/count_tokens", body.formatted(2).replace("\"max_tokens\":10,", ""))).path("input_tokens").asLong();
            assertThat(first.path("cache_creation_input_tokens").asLong()).isGreaterThan(1_024);
            assertThat(first.path("cache_read_input_tokens").asLong()).isZero();
            assertThat(second.path("cache_read_input_tokens").asLong()).isEqualTo(first.path("cache_creation_input_tokens").asLong());
            assertThat(second.path("cache_creation_input_tokens").asLong()).isZero();
            assertThat(second.path("input_tokens").asLong() + second.path("cache_read_input_tokens").asLong()).isEqualTo(counted);
            // Cache reads do not count toward ITPM on this class.
            SimStats.PoolStats pool = sim.snapshot().pool("sk-cache", "sonnet-4");
            assertThat(pool.inputTokens().admitted()).isEqualTo(first.path("input_tokens").asLong()
                    + first.path("cache_creation_input_tokens").asLong() + second.path("input_tokens").asLong());
            // Five simulated minutes later (1 s at 300x) the entry is gone.
            sim.clock().sleep(330);
            JsonNode third = json(c.post("/v1/messages", body.formatted(3))).path("usage");
            assertThat(third.path("cache_read_input_tokens").asLong()).isZero();
            assertThat(third.path("cache_creation_input_tokens").asLong()).isPositive();
        }
    }
}
