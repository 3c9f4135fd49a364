package dev.pacer.sim.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator's OpenAI side: {@code POST /v1/chat/completions} with OpenAI's limits, headers, errors and stream. */
class ChatCompletionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> post(SimServer sim, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectNode request(String model, int maxTokens, boolean stream) {
        ObjectNode r = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
        r.putArray("messages").addObject().put("role", "user").put("content", "Say something about rate limits.");
        if (stream) {
            r.put("stream", true);
            r.putObject("stream_options").put("include_usage", true);
        }
        return r;
    }

    @Test
    void aCompletionCarriesUsageAndTheSixHeadersInOpenAisFormats() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            HttpResponse<String> r = post(sim, "sk-a", request("gpt-4o-mini", 50, false).toString());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("object").asText()).isEqualTo("chat.completion");
            assertThat(body.path("id").asText()).startsWith("chatcmpl-");
            JsonNode choice = body.path("choices").path(0);
            assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
            assertThat(choice.path("message").path("content").asText()).isNotBlank();
            long prompt = body.path("usage").path("prompt_tokens").asLong();
            long completion = body.path("usage").path("completion_tokens").asLong();
            assertThat(prompt).isPositive();
            assertThat(completion).isBetween(1L, 50L);
            assertThat(body.path("usage").path("total_tokens").asLong()).isEqualTo(prompt + completion);
            assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("500");
            assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("200000");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("499");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue(Long.toString(200_000 - prompt - 50));
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).hasValue("120ms");
            assertThat(r.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow()).matches("\\d+ms");
        }
    }

    @Test
    void theOpenAiSidesStatisticsAreServedBesideTheSimulatorsOwn() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            post(sim, "sk-a", request("gpt-4o-mini", 50, false).toString());
            post(sim, "sk-a", request("gpt-4o-mini", 40, true).toString());
            HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(sim.baseUrl() + "/_sim/chat/stats"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode stats = JSON.readTree(r.body());
            assertThat(stats.path("requests").asLong()).isEqualTo(2).isEqualTo(sim.chatStats().requests());
            assertThat(stats.path("succeeded").asLong()).isEqualTo(2);
            assertThat(stats.path("streamed").asLong()).isEqualTo(1);
            assertThat(stats.path("tokens_used").asLong()).isPositive().isEqualTo(sim.chatStats().tokensUsed());
            // Not an API request: the Anthropic side counted nothing.
            assertThat(sim.snapshot().requests()).isZero();
        }
    }

    @Test
    void aStreamEndsWithDoneAndCarriesUsageWhenAsked() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            HttpResponse<String> r = post(sim, "sk-a", request("gpt-4o-mini", 40, true).toString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
            List<String> data = new ArrayList<>();
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                }
            }
            assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
            JsonNode first = JSON.readTree(data.get(0));
            assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(first.path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
            JsonNode usageChunk = JSON.readTree(data.get(data.size() - 2));
            assertThat(usageChunk.path("choices").isEmpty()).isTrue();
            assertThat(usageChunk.path("usage").path("completion_tokens").asLong()).isPositive();
            JsonNode finish = JSON.readTree(data.get(data.size() - 3));
            assertThat(finish.path("choices").path(0).path("finish_reason").asText()).isIn("stop", "length");
            StringBuilder text = new StringBuilder();
            for (String d : data.subList(0, data.size() - 2)) {
                text.append(JSON.readTree(d).path("choices").path(0).path("delta").path("content").asText(""));
            }
            assertThat(text.toString()).isNotBlank();
        }
    }

    @Test
    void toolsOfferedToAUserTurnAreCalledWithArgumentsFromTheSchema() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            ObjectNode req = request("gpt-4o-mini", 100, false);
            ObjectNode fn = req.putArray("tools").addObject().put("type", "function").putObject("function");
            fn.put("name", "get_weather");
            ObjectNode params = fn.putObject("parameters").put("type", "object");
            params.putObject("properties").putObject("city").put("type", "string");
            params.putArray("required").add("city");
            JsonNode body = JSON.readTree(post(sim, "sk-a", req.toString()).body());
            JsonNode choice = body.path("choices").path(0);
            assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
            JsonNode call = choice.path("message").path("tool_calls").path(0);
            assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(JSON.readTree(call.path("function").path("arguments").asText()).path("city").isTextual()).isTrue();
        }
    }

    @Test
    void theTokenLimitCountsMaxTokensUpFrontAndA429SaysWhenToTryAgain() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.chat(ChatSimSettings.DEFAULT.withModel("gpt-4o-mini", 500, 1_000))).start()) {
            assertThat(post(sim, "sk-a", request("gpt-4o-mini", 600, false).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = post(sim, "sk-a", request("gpt-4o-mini", 600, false).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            JsonNode error = JSON.readTree(r.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(error.path("type").asText()).isEqualTo("tokens");
            assertThat(error.path("message").asText()).contains("on tokens per min (TPM): Limit 1000").containsPattern("try again in \\d+(\\.\\d+)?m?s\\.");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()).matches("\\d{1,3}");
            assertThat(sim.chatStats().rateLimited()).isEqualTo(1);
            HttpResponse<String> tooLarge = post(sim, "sk-b", request("gpt-4o-mini", 2_000, false).toString());
            assertThat(JSON.readTree(tooLarge.body()).path("error").path("message").asText()).startsWith("Request too large");
        }
    }

    @Test
    void aSpentBudgetIsInsufficientQuotaForEveryLaterCall() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.chat(ChatSimSettings.DEFAULT.withBudget(1, "insufficient_quota"))).start()) {
            assertThat(post(sim, "sk-a", request("gpt-4o-mini", 20, false).toString()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = post(sim, "sk-a", request("gpt-4o-mini", 20, false).toString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(r.body()).path("error").path("code").asText()).isEqualTo("insufficient_quota");
            assertThat(sim.chatStats().budgetRefused()).isEqualTo(1);
        }
    }

    @Test
    void authModelAndToolMessagesAreCheckedAsOpenAiChecksThem() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            assertThat(post(sim, null, request("gpt-4o-mini", 10, false).toString()).statusCode()).isEqualTo(401);
            HttpResponse<String> unknown = post(sim, "sk-a", request("gpt-9", 10, false).toString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(unknown.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
            ObjectNode req = request("gpt-4o-mini", 10, false);
            ObjectNode assistant = ((com.fasterxml.jackson.databind.node.ArrayNode) req.get("messages")).addObject().put("role", "assistant");
            assistant.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function")
                    .putObject("function").put("name", "f").put("arguments", "{}");
            HttpResponse<String> r = post(sim, "sk-a", req.toString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("call_1");
        }
    }

    @Test
    void serverErrorsAreInjectedAtTheConfiguredRate() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.chat(ChatSimSettings.DEFAULT.withFaults(0, 1))).start()) {
            HttpResponse<String> r = post(sim, "sk-a", request("gpt-4o-mini", 10, false).toString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("server_error");
            assertThat(r.headers().firstValue("x-request-id")).isPresent();
        }
    }

    @Test
    void simYamlSetsModelsBudgetAndFaultsAndNamesABadField() throws Exception {
        SimSettings s = SimConfigFile.parse("sim.yaml", """
                openai:
                  models:
                    gpt-4o-mini: {rpm: 30, tpm: 6000}
                  budget-tokens: 5000
                  budget-code: credit_balance_exhausted
                  server-error: 0.1
                """, SimSettings.builder()).build();
        assertThat(s.chat().models()).containsOnlyKeys("gpt-4o-mini");
        assertThat(s.chat().models().get("gpt-4o-mini")).isEqualTo(new ChatSimSettings.Model(30, 6000));
        assertThat(s.chat().budgetTokens()).isEqualTo(5000);
        assertThat(s.chat().budgetCode()).isEqualTo("credit_balance_exhausted");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimConfigFile.parse("sim.yaml", "openai:\n  server-error: 2\n",
                        SimSettings.builder()))
                .hasMessageContaining("sim.yaml line 2").hasMessageContaining("openai.server-error");
    }
}
