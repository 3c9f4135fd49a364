package dev.pacer.anthropic.functional;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.batches.BatchListParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Both clients of the Anthropic pipeline behind one face, so that a behaviour of the pipeline is
 * proved for each: Pacer's own {@link AnthropicPacer} and the official SDK with Pacer inside
 * ({@link PacedAnthropic}). Each call names its API key: {@code AnthropicPacer} takes it per call,
 * the SDK from each request's headers (one SDK client per key, all wrapped with the same options).
 */
public final class BothClients {

    /** Which client. */
    public enum Kind { ANTHROPIC_PACER, SDK_ADAPTER }

    /** A Messages call through one client. */
    public interface Client extends AutoCloseable {
        /**
         * Sends a Messages request asking the simulator for {@code output} tokens and returns the output
         * the answer reports.
         */
        long message(String apiKey, String model, long maxTokens, int output, Map<String, String> headers);

        /** Lists one batch ({@code GET /v1/messages/batches?limit=1}) and returns the status of the answer. */
        int listBatches(String apiKey);

        @Override
        void close();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private BothClients() {
    }

    /** A client of {@code kind} against {@code baseUrl}, pacing with {@code pacer}. */
    public static Client open(Kind kind, String baseUrl, Pacer pacer) {
        return kind == Kind.ANTHROPIC_PACER ? pacers(baseUrl, pacer) : sdk(baseUrl, pacer);
    }

    private static Client pacers(String baseUrl, Pacer pacer) {
        AnthropicPacer claude = AnthropicPacer.builder().baseUrl(baseUrl).pacer(pacer).build(); // no key of its own: each call brings one
        return new Client() {
            @Override
            public long message(String apiKey, String model, long maxTokens, int output, Map<String, String> headers) {
                ObjectNode p = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
                p.putObject("metadata").put("user_id", "sim:output_tokens=" + output);
                p.putArray("messages").addObject().put("role", "user").put("content", "Give a short answer about rate limits.");
                return claude.messages(p, CallOptions.defaults().withApiKey(apiKey).withHeaders(headers)).join().usage().output();
            }

            @Override
            public int listBatches(String apiKey) {
                try (EndpointReply reply = claude.send(EndpointRequest.get("/v1/messages/batches?limit=1"),
                        CallOptions.defaults().withApiKey(apiKey)).join()) {
                    return reply.status();
                }
            }

            @Override
            public void close() {
                claude.close();
            }
        };
    }

    private static Client sdk(String baseUrl, Pacer pacer) {
        PacedAnthropic.Options options = PacedAnthropic.options().pacer(pacer);
        Map<String, AnthropicClient> byKey = new ConcurrentHashMap<>();
        return new Client() {
            private AnthropicClient client(String apiKey) {
                return byKey.computeIfAbsent(apiKey, k -> PacedAnthropic.wrap(AnthropicOkHttpClient.builder()
                        .baseUrl(baseUrl).apiKey(k).timeout(Duration.ofSeconds(120)), options));
            }

            @Override
            public long message(String apiKey, String model, long maxTokens, int output, Map<String, String> headers) {
                MessageCreateParams.Builder p = MessageCreateParams.builder().model(model).maxTokens(maxTokens)
                        .metadata(Metadata.builder().userId("sim:output_tokens=" + output).build())
                        .addUserMessage("Give a short answer about rate limits.");
                headers.forEach(p::putAdditionalHeader);
                return client(apiKey).messages().create(p.build()).usage().outputTokens();
            }

            @Override
            public int listBatches(String apiKey) {
                client(apiKey).messages().batches().list(BatchListParams.builder().limit(1).build());
                return 200; // else the SDK raised its own exception
            }

            @Override
            public void close() {
                byKey.values().forEach(AnthropicClient::close);
            }
        };
    }
}
