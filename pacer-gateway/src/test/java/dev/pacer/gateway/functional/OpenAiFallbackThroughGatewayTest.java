package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A 529 storm on every Claude model behind the gateway: the chain configured with an OpenAI-compatible
 * last fallback answers from the simulator's Chat Completions endpoint, and the official Anthropic Java SDK,
 * pointed at the gateway, receives valid Anthropic messages and streams, with {@code x-pacer-model} naming
 * the model that answered; the simulator's OpenAI side never refused a call.
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
}
