package dev.pacer.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator over real HTTP with the JDK client: formats, statuses, headers. */
class SimHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private SimServer sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("x-api-key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String message(int maxTokens, String text) {
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void aMessageComesBackWithUsageAndAllTwelveRateLimitHeaders() throws Exception {
        sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start();
        HttpResponse<String> r = post("/v1/messages", message(300, "Hello there, how are you today?"), "sk-test-1");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("id").asText()).startsWith("msg_");
        int output = body.path("usage").path("output_tokens").asInt();
        assertThat(output).isBetween(1, 300);
        assertThat(Tokenizer.count(body.path("content").get(0).path("text").asText())).isEqualTo(output);
        assertThat(body.path("stop_reason").asText()).isIn("end_turn", "max_tokens");
        assertThat(r.headers().firstValue("request-id").orElseThrow()).matches("req_[1-9A-HJ-NP-Za-km-z]{24}");
        List<String> names = new ArrayList<>();
        for (String dim : List.of("requests", "tokens", "input-tokens", "output-tokens")) {
            for (String part : List.of("limit", "remaining", "reset")) {
                names.add("anthropic-ratelimit-" + dim + "-" + part);
            }
        }
        for (String name : names) {
            assertThat(r.headers().firstValue(name)).as(name).isPresent();
        }
        assertThat(r.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("50");
        assertThat(r.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("49");
        assertThat(Long.parseLong(r.headers().firstValue("anthropic-ratelimit-input-tokens-remaining").orElseThrow()) % 1000).isZero();
        Pattern rfc3339 = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        String reset = r.headers().firstValue("anthropic-ratelimit-requests-reset").orElseThrow();
        assertThat(reset).matches(rfc3339);
        assertThat(Instant.parse(reset)).isAfter(sim.clock().now().minusSeconds(2));
    }

    @Test
    void validationAndAuthenticationAnswerLikeTheApi() throws Exception {
        sim = SimServer.builder().timeScale(100).start();
        assertThat(post("/v1/messages", message(10, "hi"), null).statusCode()).isEqualTo(401);
        HttpResponse<String> noMax = post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "k");
        assertThat(noMax.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMax.body()).path("error").path("message").asText()).isEqualTo("max_tokens: Field required");
        assertThat(JSON.readTree(noMax.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(post("/v1/messages", message(0, "x"), "k").statusCode()).isEqualTo(400);
        assertThat(post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "k").statusCode()).isEqualTo(400);
        assertThat(post("/v1/messages", "{not json", "k").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = post("/v1/messages", "{\"model\":\"claude-nope\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "k");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").path("type").asText()).isEqualTo("not_found_error");
        HttpRequest noVersion = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages")).header("x-api-key", "k")
                .POST(HttpRequest.BodyPublishers.ofString(message(5, "x"))).build();
        assertThat(http.send(noVersion, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
    }

    @Test
    void aRequestOverTheLimitGets429NamingTheDimensionWithRetryAfterAndTakesNothing() throws Exception {
        sim = SimServer.builder().limits(50, 1_000, 8_000).timeScale(1).start();
        String big = "word ".repeat(900);
        assertThat(post("/v1/messages", message(5, big), "k").statusCode()).isEqualTo(200);
        double before = sim.level("k", "sonnet", "requests");
        HttpResponse<String> r = post("/v1/messages", message(5, big), "k");
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode err = JSON.readTree(r.body());
        assertThat(err.path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(err.path("error").path("message").asText()).contains("1,000 input tokens per minute");
        assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isBetween(40L, 60L);
        assertThat(r.headers().firstValue("anthropic-ratelimit-input-tokens-limit")).contains("1000");
        assertThat(sim.level("k", "sonnet", "requests")).isGreaterThanOrEqualTo(before);
        assertThat(sim.stats().path("responses").path("429").asLong()).isEqualTo(1);
    }

    @Test
    void aStreamSendsTheEventsInTheApisOrderWithCumulativeUsage() throws Exception {
        sim = SimServer.builder().timeScale(200).start();
        HttpResponse<String> r = post("/v1/messages", message(200, "Tell me a story").replace("{\"model\"", "{\"stream\":true,\"model\""), "k");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int finalOutput = -1;
        for (String block : r.body().split("\n\n")) {
            String event = block.lines().filter(l -> l.startsWith("event: ")).findFirst().orElseThrow().substring(7);
            JsonNode data = JSON.readTree(block.lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow().substring(6));
            assertThat(data.path("type").asText()).isEqualTo(event);
            events.add(event);
            if (event.equals("content_block_delta")) {
                text.append(data.path("delta").path("text").asText());
            }
            if (event.equals("message_delta")) {
                finalOutput = data.path("usage").path("output_tokens").asInt();
            }
        }
        List<String> withoutPings = events.stream().filter(e -> !e.equals("ping")).toList();
        assertThat(withoutPings.get(0)).isEqualTo("message_start");
        assertThat(withoutPings.get(1)).isEqualTo("content_block_start");
        assertThat(withoutPings.subList(withoutPings.size() - 3, withoutPings.size()))
                .containsExactly("content_block_stop", "message_delta", "message_stop");
        assertThat(events).contains("ping");
        assertThat(Tokenizer.count(text)).isEqualTo(finalOutput);
    }

    @Test
    void countTokensMatchesWhatAMessageIsChargedAndUsesItsOwnBucket() throws Exception {
        sim = SimServer.builder().timeScale(100).start();
        String body = message(5, "The quick brown fox jumps over the lazy dog; fn main() { println!(\\\"hi\\\"); }");
        HttpResponse<String> count = post("/v1/messages/count_tokens", body.replace("\"max_tokens\":5,", ""), "k");
        assertThat(count.statusCode()).isEqualTo(200);
        int counted = JSON.readTree(count.body()).path("input_tokens").asInt();
        JsonNode msg = JSON.readTree(post("/v1/messages", body, "k").body());
        assertThat(msg.path("usage").path("input_tokens").asInt()).isEqualTo(counted);
        assertThat(count.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("100");
    }

    @Test
    void theTokenizerRatioDependsOnTheContent() {
        String prose = "The weather was pleasant and everyone walked along the river until the evening came";
        String code = "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; } // dot";
        String cjk = "速率限制是每分钟的令牌数量限制规则";
        double proseRatio = (double) prose.length() / Tokenizer.count(prose);
        double codeRatio = (double) code.length() / Tokenizer.count(code);
        double cjkRatio = (double) cjk.length() / Tokenizer.count(cjk);
        assertThat(proseRatio).isGreaterThan(3.5);
        assertThat(codeRatio).isBetween(1.2, 3.0);
        assertThat(cjkRatio).isEqualTo(1.0);
    }
}
