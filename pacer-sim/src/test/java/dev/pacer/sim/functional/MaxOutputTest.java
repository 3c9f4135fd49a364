package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A max_tokens above the model's maximum output is refused as the API refuses it, and takes nothing. */
class MaxOutputTest {

    @Test
    void aMaxTokensAboveTheModelsMaximumIs400NamingBothFiguresAndTheModel() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-max-output");
            HttpResponse<String> over = c.post("/v1/messages", message("claude-haiku-4-5", 64_001, 3, false, 5).toString());
            assertThat(over.statusCode()).isEqualTo(400);
            assertThat(json(over).path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(json(over).path("error").path("message").asText())
                    .isEqualTo("max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5");
            assertThat(sim.snapshot().pool("sk-max-output", "haiku-4-5")).as("refused before any bucket is touched").isNull();
            assertThat(c.post("/v1/messages", message("claude-haiku-4-5", 64_000, 3, false, 5).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> huge = c.post("/v1/messages", message("claude-3-5-haiku-20241022", 5, 3, false, 0).toString()
                    .replace("\"max_tokens\":5", "\"max_tokens\":18446744073709551617"));
            assertThat(json(huge).path("error").path("message").asText()).as("the figure as sent, not as clamped")
                    .startsWith("max_tokens: 18446744073709551617 > 8192, ");
            // Sonnet 4.x pools models whose maximum differs: no cap by default.
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 200_000, 3, false, 5).toString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aClassCanBeGivenOrRelievedOfAMaximumAtRunTime() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-max-config");
            HttpResponse<String> put = c.send(c.request("/_sim/config").PUT(HttpRequest.BodyPublishers.ofString(
                    "classes: {sonnet-4: {max-output-tokens: 1000}, haiku-4-5: {max-output-tokens: none}}")));
            assertThat(put.statusCode()).isEqualTo(200);
            JsonNode classes = json(put).path("classes");
            assertThat(classes.path("sonnet-4").path("max-output-tokens").asLong()).isEqualTo(1_000);
            assertThat(classes.path("sonnet-4").path("rpm").asLong()).as("the tier's limits are kept").isEqualTo(50);
            assertThat(classes.path("haiku-4-5").path("max-output-tokens").isNull()).isTrue();
            assertThat(sim.settings().limits().classes().get("haiku-4-5").maxOutputTokens()).isEqualTo(ModelClass.UNCAPPED);
            HttpResponse<String> over = c.post("/v1/messages", message("claude-sonnet-4-5-20250929", 1_001, 3, false, 5).toString());
            assertThat(json(over).path("error").path("message").asText())
                    .isEqualTo("max_tokens: 1001 > 1000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929");
            assertThat(c.post("/v1/messages", message("claude-haiku-4-5", 100_000, 3, false, 5).toString()).statusCode()).isEqualTo(200);
        }
    }
}
