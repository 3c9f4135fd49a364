package dev.pacer.openai.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.SimServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The official {@code openai-java} SDK against the simulator's Chat Completions endpoint, unmodified but for its base URL. */
class OfficialOpenAiSdkTest {

    private static OpenAIClient client(SimServer sim) {
        return OpenAIOkHttpClient.builder().baseUrl(sim.baseUrl() + "/v1").apiKey("sk-openai-sdk-test").maxRetries(0).build();
    }

    private static ChatCompletionCreateParams params(String text) {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(text).maxCompletionTokens(60).build();
    }

    @Test
    void aCompletionParsesWithItsUsage() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            ChatCompletion completion = client(sim).chat().completions().create(params("Say hello"));
            assertThat(completion.id()).startsWith("chatcmpl-");
            assertThat(completion.choices()).hasSize(1);
            assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).isNotBlank());
            assertThat(completion.choices().get(0).finishReason()).isIn(ChatCompletion.Choice.FinishReason.STOP,
                    ChatCompletion.Choice.FinishReason.LENGTH);
            assertThat(completion.usage().orElseThrow().completionTokens()).isBetween(1L, 60L);
        }
    }

    @Test
    void aStreamArrivesChunkByChunkWithUsageLast() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            ChatCompletionCreateParams p = params("Stream please").toBuilder()
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
            try (StreamResponse<ChatCompletionChunk> stream = client(sim).chat().completions().createStreaming(p)) {
                List<ChatCompletionChunk> chunks = stream.stream().toList();
                assertThat(chunks.size()).isGreaterThan(3);
                StringBuilder text = new StringBuilder();
                for (ChatCompletionChunk c : chunks) {
                    c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                }
                assertThat(text.toString()).isNotBlank();
                assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().completionTokens()).isPositive();
            }
        }
    }

    @Test
    void a429SurfacesAsTheSdksRateLimitException() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.chat(ChatSimSettings.DEFAULT.withModel("gpt-4o-mini", 1, 100_000))).start()) {
            OpenAIClient client = client(sim);
            client.chat().completions().create(params("one"));
            assertThatThrownBy(() -> client.chat().completions().create(params("two")))
                    .isInstanceOf(RateLimitException.class)
                    .satisfies(e -> {
                        RateLimitException r = (RateLimitException) e;
                        assertThat(r.statusCode()).isEqualTo(429);
                        assertThat(r.getMessage()).contains("Rate limit reached for gpt-4o-mini");
                        assertThat(r.headers().values("x-request-id")).isNotEmpty();
                    });
        }
    }
}
