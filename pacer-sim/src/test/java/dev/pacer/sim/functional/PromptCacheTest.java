package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimServer;
import org.junit.jupiter.api.Test;

/** Prompt-cache usage as the API reports it: writes split by lifetime, reads on the next request. */
class PromptCacheTest {

    private static String block(String text, String ttl) {
        String cc = ttl == null ? "{\"type\":\"ephemeral\"}" : "{\"type\":\"ephemeral\",\"ttl\":\"" + ttl + "\"}";
        return "{\"type\":\"text\",\"text\":\"" + text + "\",\"cache_control\":" + cc + "}";
    }

    private static String body(String system, String userBlocks) {
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"system\":[" + system + "],"
                + "\"messages\":[{\"role\":\"user\",\"content\":[" + userBlocks + "]}]}";
    }

    @Test
    void oneHourWritesAreReportedAsOneHourAndFiveMinuteWritesAsFiveMinute() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(100).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-cache-ttl");
            String question = "{\"type\":\"text\",\"text\":\"question\"}";
            JsonNode hour = json(c.post("/v1/messages", body(block("policy ".repeat(1500), "1h"), question))).path("usage");
            assertThat(hour.path("cache_creation_input_tokens").asLong()).isGreaterThan(1_024);
            assertThat(hour.path("cache_creation").path("ephemeral_1h_input_tokens").asLong())
                    .isEqualTo(hour.path("cache_creation_input_tokens").asLong());
            assertThat(hour.path("cache_creation").path("ephemeral_5m_input_tokens").asLong()).isZero();

            JsonNode fiveMinutes = json(c.post("/v1/messages", body(block("manual ".repeat(1500), null), question))).path("usage");
            assertThat(fiveMinutes.path("cache_creation").path("ephemeral_5m_input_tokens").asLong())
                    .isEqualTo(fiveMinutes.path("cache_creation_input_tokens").asLong()).isGreaterThan(1_024);
            assertThat(fiveMinutes.path("cache_creation").path("ephemeral_1h_input_tokens").asLong()).isZero();

            // A 1-hour system prompt, then a 5-minute conversation prefix: each stretch at its own lifetime.
            String system = block("rules ".repeat(1500), "1h");
            String mixed = body(system, block("context ".repeat(1500), "5m") + "," + question);
            JsonNode both = json(c.post("/v1/messages", mixed)).path("usage");
            long oneHour = both.path("cache_creation").path("ephemeral_1h_input_tokens").asLong();
            long five = both.path("cache_creation").path("ephemeral_5m_input_tokens").asLong();
            assertThat(oneHour).isGreaterThan(1_024);
            assertThat(five).isGreaterThan(1_024);
            assertThat(oneHour + five).isEqualTo(both.path("cache_creation_input_tokens").asLong());

            // The same system prompt read back: only the new 5-minute stretch is written.
            String other = body(system, block("different ".repeat(1500), "5m") + "," + question);
            JsonNode read = json(c.post("/v1/messages", other)).path("usage");
            assertThat(read.path("cache_read_input_tokens").asLong()).isEqualTo(oneHour);
            assertThat(read.path("cache_creation").path("ephemeral_1h_input_tokens").asLong()).isZero();
            assertThat(read.path("cache_creation").path("ephemeral_5m_input_tokens").asLong())
                    .isEqualTo(read.path("cache_creation_input_tokens").asLong()).isGreaterThan(1_024);
        }
    }
}
