package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.gateway.VirtualKey;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.quota.Priority;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A 529 storm on every Claude model behind the gateway: the chain configured with an OpenAI-compatible
 * last fallback answers from the simulator's Chat Completions endpoint, and the official Anthropic Java SDK,
 * pointed at the gateway, receives valid Anthropic messages and streams, with {@code x-pacer-model} naming
 * the model that answered; the simulator's OpenAI side never refused a call. Plain, streamed and tool-use
 * requests (tools offered, {@code tool_choice} naming one, the {@code tool_use} answer sent back with its
 * {@code tool_result}) all take that way. A gateway key's budget counts the OpenAI answers at their model's price.
 */
class OpenAiFallbackThroughGatewayTest {

    @Test
    void aStormOnClaudeIsAnsweredByTheOpenAiFallbackInTheAnthropicShape() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(8).configure(s -> s.chat(ChatSimSettings.DEFAULT)).start();
        sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
        OpenAiEndpoint openai = OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-gateway-test");
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> b.fallbackModels(List.of("claude-haiku-4-5"))
                .providerFallbacks(List.of(openai)))) {
            AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(fixture.url()).apiKey("sk-ant-gateway-storm").maxRetries(0)
                    .timeout(Duration.ofSeconds(60)).build();
            try {
                MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(100)
                        .addUserMessage("Say hello.").build();
                var raw = client.messages().withRawResponse().create(params);
                Message m = raw.parse();
                m.validate();
                assertThat(m.content().get(0).asText().text()).isNotBlank();
                assertThat(raw.headers().values("x-pacer-model")).containsExactly("gpt-4o-mini");

                MessageAccumulator acc = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
                    stream.stream().forEach(acc::accumulate);
                }
                assertThat(acc.message().content().get(0).asText().text()).isNotBlank();
                assertThat(sim.snapshot().responses(529)).as("the storm was on the wire").isPositive();
                assertThat(sim.chatStats().rateLimited()).isZero();
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aStormOnClaudeAnswersToolUseFromTheOpenAiFallbackAndTheToolResultGoesBack() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(9).configure(s -> s.chat(ChatSimSettings.DEFAULT)).start();
        sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
        OpenAiEndpoint openai = OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-gateway-tools");
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> b.fallbackModels(List.of("claude-haiku-4-5"))
                .providerFallbacks(List.of(openai)))) {
            AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(fixture.url()).apiKey("sk-ant-gateway-tools").maxRetries(0)
                    .timeout(Duration.ofSeconds(60)).build();
            try {
                // Two tools, the second one chosen: the answer can name it only if tool_choice crossed over.
                MessageCreateParams ask = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200)
                        .addTool(tool("get_time", "The local time of a city", "zone"))
                        .addTool(tool("get_weather", "The weather in a city", "city"))
                        .toolChoice(ToolChoiceTool.builder().name("get_weather").build())
                        .addUserMessage("What is the weather in Paris?").build();
                var raw = client.messages().withRawResponse().create(ask);
                Message call = raw.parse();
                call.validate();
                assertThat(raw.headers().values("x-pacer-model")).containsExactly("gpt-4o-mini");
                assertThat(call.stopReason()).contains(StopReason.TOOL_USE);
                ToolUseBlock use = call.content().stream().filter(b -> b.isToolUse()).findFirst().orElseThrow().asToolUse();
                assertThat(use.name()).isEqualTo("get_weather");
                assertThat(use.id()).as("the call id kept as is (docs/openai-translation.md)").matches("[A-Za-z0-9_-]+");
                assertThat(use._input().convert(Map.class)).containsOnlyKeys("city");

                // The next turn: the SDK's own tool_use block sent back with a tool_result answering it.
                MessageCreateParams answerWith = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(200)
                        .addTool(tool("get_time", "The local time of a city", "zone"))
                        .addTool(tool("get_weather", "The weather in a city", "city"))
                        .addUserMessage("What is the weather in Paris?").addMessage(call.toParam())
                        .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                                .toolUseId(use.id()).content("18C and sunny").build())))
                        .build();
                long before = sim.chatStats().succeeded();
                Message told = client.messages().create(answerWith);
                told.validate();
                assertThat(told.stopReason().orElseThrow()).isIn(StopReason.END_TURN, StopReason.MAX_TOKENS);
                assertThat(told.content().get(0).asText().text()).isNotBlank();
                assertThat(sim.chatStats().succeeded()).as("the tool_result turn was answered by the OpenAI side").isEqualTo(before + 1);

                // The same question streamed: the SDK accumulates the tool_use block from input_json_delta events.
                MessageAccumulator acc = MessageAccumulator.create();
                List<String> types = new java.util.ArrayList<>();
                try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(ask)) {
                    stream.stream().forEach(e -> {
                        acc.accumulate(e);
                        types.add(e.isContentBlockDelta() && e.asContentBlockDelta().delta().isInputJson() ? "input_json" : "other");
                    });
                }
                Message streamed = acc.message();
                streamed.validate();
                assertThat(types).contains("input_json");
                assertThat(streamed.stopReason()).contains(StopReason.TOOL_USE);
                ToolUseBlock streamedUse = streamed.content().get(0).asToolUse();
                assertThat(streamedUse.name()).isEqualTo("get_weather");
                assertThat(streamedUse._input().convert(Map.class)).containsOnlyKeys("city");

                assertThat(sim.snapshot().responses(529)).as("the storm was on the wire").isPositive();
                assertThat(sim.snapshot().responses(200)).as("no Claude model answered").isZero();
                assertThat(sim.chatStats().succeeded()).isEqualTo(3);
                assertThat(sim.chatStats().streamed()).isEqualTo(1);
                assertThat(sim.chatStats().rateLimited()).as("the OpenAI limits were never exceeded").isZero();
            } finally {
                client.close();
            }
        }
    }

    @Test
    void aGatewayKeysBudgetCountsTheOpenAiAnswersPlainAndStreamed() throws Exception {
        String upstreamKey = TestKeys.unique("sk-ant-test-upstream-");
        String openaiKey = TestKeys.unique("sk-openai-test-");
        String plainKey = TestKeys.unique("pgw-test-plain-");
        String streamKey = TestKeys.unique("pgw-test-stream-");
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(10)
                .configure(s -> s.chat(ChatSimSettings.DEFAULT).apiKeys(Set.of(upstreamKey, openaiKey))).start();
        sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
        OpenAiEndpoint openai = OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", openaiKey);
        // One gpt-4o-mini answer (tens of tokens in, 8 or more out) costs more than a millionth of a dollar.
        double budget = 0.000_001;
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> b.fallbackModels(List.of("claude-haiku-4-5")).providerFallbacks(List.of(openai))
                .upstream(new GatewaySettings.Upstream(b.upstream().baseUrl(), ApiKey.of(upstreamKey), null)).keys(List.of(
                        new VirtualKey("plain", VirtualKey.hash(plainKey), Priority.NORMAL, 0, 0, 0, budget),
                        new VirtualKey("stream", VirtualKey.hash(streamKey), Priority.NORMAL, 0, 0, 0, budget))))) {
            MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(100).addUserMessage("Say hello.").build();
            AnthropicClient plain = client(fixture, plainKey);
            AnthropicClient streaming = client(fixture, streamKey);
            try {
                plain.messages().create(params).validate();
                assertThat(org.junit.jupiter.api.Assertions.assertThrows(com.anthropic.errors.RateLimitException.class,
                        () -> plain.messages().create(params)).getMessage()).contains("has spent its budget");

                try (StreamResponse<RawMessageStreamEvent> stream = streaming.messages().createStreaming(params)) {
                    assertThat(stream.stream().count()).isPositive();
                }
                assertThat(org.junit.jupiter.api.Assertions.assertThrows(com.anthropic.errors.RateLimitException.class,
                        () -> streaming.messages().create(params)).getMessage()).contains("has spent its budget");
            } finally {
                plain.close();
                streaming.close();
            }
            assertThat(sim.chatStats().succeeded()).as("only the first call of each key reached the OpenAI side").isEqualTo(2);
        }
    }

    private static AnthropicClient client(GatewayFixture fixture, String key) {
        return AnthropicOkHttpClient.builder().baseUrl(fixture.url()).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    private static Tool tool(String name, String description, String parameter) {
        return Tool.builder().name(name).description(description)
                .inputSchema(Tool.InputSchema.builder()
                        .properties(Tool.InputSchema.Properties.builder()
                                .putAdditionalProperty(parameter, JsonValue.from(Map.of("type", "string"))).build())
                        .required(List.of(parameter)).build())
                .build();
    }
}
