package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.batch.Prices;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The gateway's {@code /metrics} counts {@code pacer_cost_usd_total} per model class: every answer's tokens (as its
 * usage says, and for OpenAI as the simulator counted them) times its model's list price, for Claude's answers and,
 * in a 529 storm, the OpenAI fallback's (plain and streamed). A reload in the middle builds a new pipeline over the
 * same engine: the meter keeps counting, each answer once.
 */
class CostThroughGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = TestKeys.unique("sk-ant-test-cost-");
    private static final Prices PRICES = Prices.defaults();

    private final Map<String, Double> expectedUsd = new HashMap<>();
    private final Map<String, Long> expectedTokens = new HashMap<>();

    @Test
    void theScrapedCostIsEveryAnswersTokensTimesItsPriceAcrossAReload() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(13).configure(s -> s.chat(ChatSimSettings.DEFAULT)).start();
        String openaiKey = TestKeys.unique("sk-openai-test-cost-");
        OpenAiEndpoint openai = OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", openaiKey);
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> b.providerFallbacks(List.of(openai)));
             HttpClient http = HttpClient.newHttpClient()) {
            for (int i = 0; i < 6; i++) {
                send(http, fixture.url(), i % 2 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5", 16 + i, false);
            }
            Scraped before = scrape(http, fixture.url());
            assertThat(before.usd("haiku-4-5")).isCloseTo(expectedUsd.get("haiku-4-5"), Offset.offset(1e-12));

            // A configuration change: a new pipeline (and OpenAI fallback) over the engine that persists.
            fixture.gateway.reload(fixture.gateway.settings().toBuilder().fallbackModels(List.of("claude-haiku-4-5")).build());
            for (int i = 0; i < 4; i++) {
                send(http, fixture.url(), i % 2 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5", 20 + i, false);
            }
            sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
            for (int i = 0; i < 4; i++) {
                String answeredBy = send(http, fixture.url(), "claude-sonnet-4-5", 30, i % 2 == 1);
                assertThat(answeredBy).as("the storm is answered by the OpenAI fallback").isEqualTo("gpt-4o-mini");
            }

            Scraped after = scrape(http, fixture.url());
            assertThat(expectedUsd).containsOnlyKeys("haiku-4-5", "sonnet-4", "gpt-4o-mini");
            for (Map.Entry<String, Double> e : expectedUsd.entrySet()) {
                assertThat(e.getValue()).isPositive();
                assertThat(after.usd(e.getKey())).as("pacer_cost_usd_total for " + e.getKey()).isCloseTo(e.getValue(), Offset.offset(1e-12));
                assertThat(after.tokens(e.getKey())).as("pacer_tokens_total for " + e.getKey()).isEqualTo(expectedTokens.get(e.getKey()));
            }
            // The OpenAI answers' tokens are what the simulator's OpenAI side says it used.
            assertThat(expectedTokens.get("gpt-4o-mini")).isEqualTo(sim.chatStats().tokensUsed());
            // Whole keys: a six-character tail of random hex may be all digits and turn up in a number.
            assertThat(after.text()).doesNotContain(KEY).doesNotContain(openaiKey);
        }
    }

    /** Sends one call; adds its answer's tokens and price to the expected figures; returns the model that answered. */
    private String send(HttpClient http, String url, String model, int maxTokens, boolean stream) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens).put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", "Say hello " + maxTokens + " times.");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/messages")).header("x-api-key", KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // The answer keeps the model asked for; a fallback that answered names itself in x-pacer-model.
        String answeredBy = r.headers().firstValue("x-pacer-model").orElse(model);
        JsonNode usage;
        if (stream) {
            ObjectNode merged = JSON.createObjectNode();
            for (String line : r.body().split("\n")) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                JsonNode event = JSON.readTree(line.substring(5).trim());
                JsonNode u = event.path("type").asText().equals("message_start") ? event.path("message").path("usage") : event.path("usage");
                u.fields().forEachRemaining(f -> {
                    if (f.getValue().isNumber()) {
                        merged.put(f.getKey(), f.getValue().asLong());
                    }
                });
            }
            usage = merged;
        } else {
            usage = JSON.readTree(r.body()).path("usage");
        }
        String modelClass = ModelClasses.defaults().classOf(answeredBy);
        Prices.Price p = PRICES.of(modelClass);
        long input = usage.path("input_tokens").asLong();
        long cacheWrite = usage.path("cache_creation_input_tokens").asLong();
        long cacheRead = usage.path("cache_read_input_tokens").asLong();
        long output = usage.path("output_tokens").asLong();
        assertThat(input + output).as("the answer's usage").isPositive();
        expectedUsd.merge(modelClass, (input * p.input() + cacheWrite * p.input() * 1.25 + cacheRead * p.cacheRead() + output * p.output()) / 1e6,
                Double::sum);
        expectedTokens.merge(modelClass, input + cacheWrite + cacheRead + output, Long::sum);
        return answeredBy;
    }

    private static Scraped scrape(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new Scraped(r.body());
    }

    /** A Prometheus text exposition, read by series. */
    private record Scraped(String text) {

        double usd(String modelClass) {
            return sum("pacer_cost_usd_total{", "model=\"" + modelClass + "\"");
        }

        long tokens(String modelClass) {
            return Math.round(sum("pacer_tokens_total{", "model=\"" + modelClass + "\""));
        }

        private double sum(String prefix, String label) {
            double total = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith(prefix) && line.contains(label)) {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return total;
        }
    }
}
