package dev.pacer.anthropic.readme;

// README:start
import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.SseReader;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.quota.Priority;
import java.time.Instant;
import java.util.List;

public class UseItFromJava {

    /** With the official SDK: wrap the client builder; every call below it is paced, retried and falls back. */
    static Message withTheSdk(String baseUrl, String apiKey) {
        AnthropicClient client = PacedAnthropic.wrap(
                AnthropicOkHttpClient.builder().baseUrl(baseUrl).apiKey(apiKey),
                PacedAnthropic.options().fallbackModels(List.of("claude-haiku-4-5")));
        try {
            return client.messages().create(MessageCreateParams.builder()
                    .model("claude-sonnet-4-5").maxTokens(256).addUserMessage("Hello, Claude").build());
        } finally {
            client.close();
        }
    }

    /** Without the SDK: Pacer's own small client, raw JSON in and out. */
    static String withPacersOwnClient(String baseUrl, String apiKey) throws Exception {
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(baseUrl).apiKey(apiKey)
                .fallbackModels(List.of("claude-haiku-4-5")).build()) {
            ObjectNode params = new ObjectMapper().createObjectNode()
                    .put("model", "claude-sonnet-4-5").put("max_tokens", 256);
            params.putArray("messages").addObject().put("role", "user").put("content", "Hello, Claude");
            AnthropicPacer.Reply reply = claude.messages(params, Priority.INTERACTIVE, Instant.now().plusSeconds(30)).get();
            return reply.model() + ": " + reply.message().path("content").path(0).path("text").asText();
        }
    }

    /** Streaming with Pacer's own client: the call holds its quota until the stream ends or is closed. */
    static String streamWithPacersOwnClient(String baseUrl, String apiKey) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(baseUrl).apiKey(apiKey)
                .fallbackModels(List.of("claude-haiku-4-5")).build()) {
            ObjectNode params = json.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 256);
            params.putArray("messages").addObject().put("role", "user").put("content", "Hello, Claude");
            StringBuilder text = new StringBuilder();
            try (MessageStream stream = claude.stream(params, Priority.INTERACTIVE, Instant.now().plusSeconds(30)).get()) {
                for (SseReader.Event event; (event = stream.next()) != null; ) { // StreamFailed if it breaks off
                    if (event.name().equals("content_block_delta")) {
                        text.append(json.readTree(event.data()).path("delta").path("text").asText());
                    }
                }
                return stream.model() + ": " + text;
            }
        }
    }
}
// README:end
