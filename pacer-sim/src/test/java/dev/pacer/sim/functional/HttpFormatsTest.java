package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.internal.Tokenizer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the API's clients read: bodies, statuses, error shapes and the rate-limit headers, over real HTTP. */
class HttpFormatsTest {

    private static final String RFC3339 = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    private SimServer sim;

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aMessageCarriesUsageMatchingItsTextTheTwelveHeadersAndARequestId() throws Exception {
        sim = SimServer.builder().seed(5).configure(s -> s.latency(0, 1e6, 0)).start();
        HttpResponse<String> r = new Client(sim, "sk-formats").post("/v1/messages", message("claude-sonnet-4-5", 300, 12, false, 0).toString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("id").asText()).matches("msg_[1-9A-HJ-NP-Za-km-z]{24}");
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        int output = body.path("usage").path("output_tokens").asInt();
        assertThat(new Tokenizer(5).count(body.path("content").get(0).path("text").asText())).isEqualTo(output);
        assertThat(body.path("stop_reason").asText()).isEqualTo(output == 300 ? "max_tokens" : "end_turn");
        assertThat(body.path("usage").path("service_tier").asText()).isEqualTo("standard");
        assertThat(r.headers().firstValue("request-id").orElseThrow()).matches("req_[1-9A-HJ-NP-Za-km-z]{24}");
        for (String dim : List.of("requests", "tokens", "input-tokens", "output-tokens")) {
            assertThat(r.headers().firstValue("anthropic-ratelimit-" + dim + "-limit").orElseThrow()).matches("\\d+");
            assertThat(r.headers().firstValue("anthropic-ratelimit-" + dim + "-remaining").orElseThrow()).matches("\\d+");
            String reset = r.headers().firstValue("anthropic-ratelimit-" + dim + "-reset").orElseThrow();
            assertThat(reset).matches(RFC3339);
            assertThat(Instant.parse(reset)).isBetween(sim.clock().now().minusSeconds(5), sim.clock().now().plusSeconds(120));
        }
        assertThat(r.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("50");
        assertThat(r.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("49");
        assertThat(r.headers().firstValue("anthropic-ratelimit-input-tokens-limit")).contains("30000");
        assertThat(Long.parseLong(r.headers().firstValue("anthropic-ratelimit-tokens-remaining").orElseThrow()) % 1000).isZero();
        assertThat(r.headers().firstValue("anthropic-organization-id")).isPresent();
    }

    @Test
    void theSameRequestGetsTheSameAnswerAndTheLengthCanBeSteered() throws Exception {
        sim = SimServer.builder().seed(9).configure(s -> s.latency(0, 1e6, 0)).start();
        Client c = new Client(sim, "sk-same");
        String body = message("claude-haiku-4-5", 400, 20, false, 0).toString();
        assertThat(json(c.post("/v1/messages", body)).path("content")).isEqualTo(json(c.post("/v1/messages", body)).path("content"));
        JsonNode steered = json(c.post("/v1/messages", message("claude-haiku-4-5", 500, 3, false, 123).toString()));
        assertThat(steered.path("usage").path("output_tokens").asInt()).isEqualTo(123);
        assertThat(steered.path("stop_reason").asText()).isEqualTo("end_turn");
        JsonNode capped = json(c.post("/v1/messages", message("claude-haiku-4-5", 40, 3, false, 123).toString()));
        assertThat(capped.path("usage").path("output_tokens").asInt()).isEqualTo(40);
        assertThat(capped.path("stop_reason").asText()).isEqualTo("max_tokens");
        JsonNode byHeader = json(c.post("/v1/messages", message("claude-haiku-4-5", 1000, 3, false, 0).toString(), "x-sim-output-fraction", "0.25"));
        assertThat(byHeader.path("usage").path("output_tokens").asInt()).isEqualTo(250);
    }

    @Test
    void theOutputLengthFollowsTheConfiguredDistributionAndTheSeedRepeatsARun() throws Exception {
        List<Integer> lengths = new java.util.ArrayList<>();
        List<String> texts = new java.util.ArrayList<>();
        for (long seed : new long[] {7, 7, 8}) {
            sim = SimServer.builder().seed(seed).configure(s -> s.latency(0, 1e6, 0).outputLength(40, 0.5)).start();
            StringBuilder run = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                JsonNode m = json(new Client(sim, "sk-dist").post("/v1/messages", message("claude-sonnet-4-5", 4_000, 3 + i, false, 0).toString()));
                lengths.add(m.path("usage").path("output_tokens").asInt());
                run.append(m.path("content").get(0).path("text").asText()).append('|');
            }
            texts.add(run.toString());
            sim.close();
        }
        assertThat(texts.get(0)).as("same seed, same requests: the same run").isEqualTo(texts.get(1));
        assertThat(texts.get(2)).as("another seed, another run").isNotEqualTo(texts.get(0));
        // Log-normal with median 40 and sigma 0.5: about 95% within 40 × e^±1 (15 to 109).
        List<Integer> sorted = lengths.stream().sorted().toList();
        assertThat(sorted.get(sorted.size() / 2)).isBetween(28, 56);
        assertThat(sorted.getFirst()).isGreaterThanOrEqualTo(8);
        assertThat(sorted.getLast()).isLessThanOrEqualTo(250);
        sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0).outputLength(33, 0)).start();
        JsonNode fixed = json(new Client(sim, "sk-fixed").post("/v1/messages", message("claude-sonnet-4-5", 4_000, 9, false, 0).toString()));
        assertThat(fixed.path("usage").path("output_tokens").asInt()).as("sigma 0: exactly the median").isEqualTo(33);
    }

    @Test
    void badRequestsAuthenticationAndUnknownModelsAnswerLikeTheApi() throws Exception {
        sim = SimServer.builder().timeScale(100).configure(s -> s.apiKeys(java.util.Set.of("sk-good"))).start();
        Client good = new Client(sim, "sk-good");
        HttpResponse<String> noMax = good.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(noMax.statusCode()).isEqualTo(400);
        assertThat(json(noMax).path("type").asText()).isEqualTo("error");
        assertThat(json(noMax).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(noMax).path("error").path("message").asText()).isEqualTo("max_tokens: Field required");
        assertThat(json(noMax).path("request_id").asText()).isEqualTo(noMax.headers().firstValue("request-id").orElseThrow());
        assertThat(good.post("/v1/messages", "not json").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = good.post("/v1/messages", message("claude-unknown-9", 10, 2, false, 0).toString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("error").path("type").asText()).isEqualTo("not_found_error");
        assertThat(json(unknown).path("error").path("message").asText()).isEqualTo("model: claude-unknown-9");
        HttpResponse<String> noKey = new Client(sim, null).post("/v1/messages", message("claude-sonnet-4-5", 10, 2, false, 0).toString());
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(json(noKey).path("error").path("type").asText()).isEqualTo("authentication_error");
        assertThat(new Client(sim, "sk-bad").post("/v1/messages", message("claude-sonnet-4-5", 10, 2, false, 0).toString()).statusCode()).isEqualTo(401);
        HttpResponse<String> bearer = new Client(sim, null).post("/v1/messages", message("claude-sonnet-4-5", 10, 2, false, 0).toString(),
                "authorization", "Bearer sk-good");
        assertThat(bearer.statusCode()).isEqualTo(200);
        HttpResponse<String> noVersion = good.send(HttpRequest.newBuilder(java.net.URI.create(sim.baseUrl() + "/v1/messages"))
                .header("x-api-key", "sk-good").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(message("claude-sonnet-4-5", 10, 2, false, 0).toString())));
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(json(noVersion).path("error").path("message").asText()).isEqualTo("anthropic-version: header is required");
        assertThat(sim.snapshot().responses(400)).isEqualTo(3);
        assertThat(sim.snapshot().responses(401)).isEqualTo(2);
    }

    @Test
    void aBodyOverThirtyTwoMegabytesIs413() throws Exception {
        sim = SimServer.builder().start();
        String huge = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(33 << 20) + "\"}]}";
        HttpResponse<String> r = new Client(sim, "sk-big").post("/v1/messages", huge);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("error").path("type").asText()).isEqualTo("request_too_large");
    }

    @Test
    void countTokensReturnsWhatAMessageIsChargedAndHasItsOwnLimit() throws Exception {
        sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start();
        Client c = new Client(sim, "sk-count");
        String body = "{\"model\":\"claude-sonnet-4-5\",\"system\":\"You are terse.\",\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Count these words, please: 東京 and naïve café.\"}]}";
        HttpResponse<String> count = c.post("/v1/messages/count_tokens", body);
        assertThat(count.statusCode()).isEqualTo(200);
        assertThat(count.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("100");
        long counted = json(count).path("input_tokens").asLong();
        HttpResponse<String> m = c.post("/v1/messages", body.replace("{\"model\"", "{\"max_tokens\":20,\"model\""));
        assertThat(json(m).path("usage").path("input_tokens").asLong()).isEqualTo(counted);
        // count_tokens took nothing from the Messages limits.
        assertThat(m.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("49");
        assertThat(c.get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(json(c.get("/v1/models?limit=3")).path("data")).hasSize(3);
        assertThat(json(c.get("/v1/models/claude-opus-4-5")).path("display_name").asText()).isEqualTo("Claude Opus 4.5");
    }
}
