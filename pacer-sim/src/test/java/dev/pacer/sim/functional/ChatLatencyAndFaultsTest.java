package dev.pacer.sim.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The simulator's Chat Completions answers take the latency model's time (the messages endpoint's unless the
 * {@code openai:} section gives its own), and streams meet the injected faults after their 200.
 */
class ChatLatencyAndFaultsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpRequest post(SimServer sim, boolean stream) {
        ObjectNode r = JSON.createObjectNode().put("model", "gpt-4o-mini").put("max_tokens", 100);
        r.putArray("messages").addObject().put("role", "user").put("content", "Say something about rate limits.");
        if (stream) {
            r.put("stream", true);
            r.putObject("stream_options").put("include_usage", true);
        }
        return HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions")).header("content-type", "application/json")
                .header("authorization", "Bearer sk-chat-latency").POST(HttpRequest.BodyPublishers.ofString(r.toString())).build();
    }

    @Test
    void anAnswerTakesTheTimeToFirstTokenPlusItsCompletionAtTheConfiguredSpeed() throws Exception {
        // At 60x, 30 simulated seconds to the first token and 20 tokens a second: half a real second and more.
        SimSettings.Latency latency = new SimSettings.Latency(30, 20, 0);
        try (SimServer sim = SimServer.builder().timeScale(60).configure(s -> s.chat(ChatSimSettings.DEFAULT.withLatency(latency))).start()) {
            double before = sim.clock().seconds();
            HttpResponse<String> r = HTTP.send(post(sim, false), HttpResponse.BodyHandlers.ofString());
            double took = sim.clock().seconds() - before;
            assertThat(r.statusCode()).isEqualTo(200);
            long completion = JSON.readTree(r.body()).path("usage").path("completion_tokens").asLong();
            assertThat(took).isGreaterThanOrEqualTo(30 + completion / 20.0 - 0.5);

            before = sim.clock().seconds();
            HttpResponse<String> streamed = HTTP.send(post(sim, true), HttpResponse.BodyHandlers.ofString());
            took = sim.clock().seconds() - before;
            assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
            assertThat(took).isGreaterThanOrEqualTo(30 + usageOf(streamed.body()).path("completion_tokens").asLong() / 20.0 - 0.5);
        }
    }

    @Test
    void withoutALatencyOfItsOwnTheChatSideTakesTheMessagesEndpointsModel() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(60).configure(s -> s.latency(40, 1000, 0)).start()) {
            double before = sim.clock().seconds();
            assertThat(HTTP.send(post(sim, false), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(sim.clock().seconds() - before).isGreaterThanOrEqualTo(39.5);
        }
    }

    @Test
    void aStreamMeetsAnErrorChunkOrADroppedConnectionAfterItsFirstChunks() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(60)
                .configure(s -> s.chat(ChatSimSettings.DEFAULT.withStreamFaults(new ChatSimSettings.StreamFaults(1, 0, 2)))).start()) {
            HttpResponse<String> r = HTTP.send(post(sim, true), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            String[] events = r.body().split("\n\n");
            assertThat(events).hasSize(3);
            assertThat(JSON.readTree(events[2].substring("data: ".length())).path("error").path("type").asText()).isEqualTo("server_error");
            assertThat(r.body()).doesNotContain("[DONE]");
            assertThat(sim.chatStats().streamFaults()).isEqualTo(1);
        }
        try (SimServer sim = SimServer.builder().timeScale(60)
                .configure(s -> s.chat(ChatSimSettings.DEFAULT.withStreamFaults(new ChatSimSettings.StreamFaults(0, 1, 2)))).start()) {
            HttpResponse<InputStream> r = HTTP.send(post(sim, true), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            String read;
            try (InputStream in = r.body()) {
                read = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException dropped) {
                read = "";
            }
            assertThat(read).doesNotContain("[DONE]");
            assertThat(sim.chatStats().streamFaults()).isEqualTo(1);
        }
    }

    @Test
    void simYamlSetsTheChatLatencyAndStreamFaultsAndNamesABadField() throws Exception {
        SimSettings s = SimConfigFile.parse("sim.yaml", """
                openai:
                  latency: {ttft: 1.5, tokens-per-second: 40}
                  mid-stream-error: 0.1
                  stream-reset: 0.05
                  mid-stream-after-chunks: 4
                """, SimSettings.builder()).build();
        assertThat(s.chat().latency()).isEqualTo(new SimSettings.Latency(1.5, 40, 0.2));
        assertThat(s.chat().streamFaults()).isEqualTo(new ChatSimSettings.StreamFaults(0.1, 0.05, 4));
        assertThat(SimConfigFile.parse("sim.yaml", "openai:\n  server-error: 0\n", SimSettings.builder()).build().chat().latency()).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimConfigFile.parse("sim.yaml", "openai:\n  stream-reset: 1.5\n",
                        SimSettings.builder()))
                .hasMessageContaining("sim.yaml line 2").hasMessageContaining("openai.stream-reset");
    }

    private static JsonNode usageOf(String sse) throws IOException {
        String[] events = sse.split("\n\n");
        return JSON.readTree(events[events.length - 2].substring("data: ".length())).path("usage");
    }
}
