package dev.pacer.sim.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimLimits;
import dev.pacer.sim.SimServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Floods and faults: the simulator's own proof that it never over-admits, and every fault it can inject. */
class FloodAndFaultsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(SimServer sim, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages"))
                .header("x-api-key", "flood").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(int maxTokens, int words, boolean stream) {
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "tokens ".repeat(words) + "\"}]}";
    }

    @Test
    void aFloodFromManyThreadsNeverExceedsAnyLimit() throws Exception {
        for (SimLimits.OtpmMode mode : SimLimits.OtpmMode.values()) {
            try (SimServer sim = SimServer.builder().limits(120, 40_000, 6_000).timeScale(60)
                    .configure(s -> s.otpmMode(mode).latency(0.2, 400, 0.2)).start();
                 ExecutorService pool = Executors.newFixedThreadPool(32)) {
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger limited = new AtomicInteger();
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 32; t++) {
                    int seed = t;
                    all.add(pool.submit(() -> {
                        for (int i = 0; i < 25; i++) {
                            int status = post(sim, body(50 + (seed * 37 + i * 11) % 400, 50 + (seed * 13 + i * 7) % 900, i % 3 == 0)).statusCode();
                            (status == 200 ? ok : limited).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get();
                }
                JsonNode stats = sim.stats();
                assertThat(ok.get()).isPositive();
                assertThat(limited.get()).as("the flood must hit the limits").isPositive();
                assertThat(stats.path("requests").asLong()).isEqualTo(800);
                assertThat(stats.path("responses").path("200").asLong() + stats.path("responses").path("429").asLong()).isEqualTo(800);
                if (mode == SimLimits.OtpmMode.RESERVE_MAX_TOKENS) {
                    assertThat(stats.path("max_window_overadmission").asDouble()).as(mode + " " + stats).isZero();
                } else {
                    // Counted as generated, output can run a bucket into debt; requests and input never over-admit.
                    JsonNode pool0 = stats.path("keys").elements().next().path("sonnet");
                    assertThat(pool0.path("requests").path("overadmission").asDouble()).isZero();
                    assertThat(pool0.path("input_tokens").path("overadmission").asDouble()).isZero();
                }
            }
        }
    }

    @Test
    void injectedOverloadsServerErrorsAndStormsAreCounted() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(100).configure(s -> s.latency(0, 1e6, 0)).start()) {
            sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
            HttpResponse<String> r = post(sim, body(10, 3, false));
            assertThat(r.statusCode()).isEqualTo(529);
            assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("overloaded_error");
            sim.setFaults(FaultProfile.NONE.withErrors(1.0, 0, 0));
            assertThat(post(sim, body(10, 3, false)).statusCode()).isEqualTo(500);
            sim.setFaults(FaultProfile.NONE.withErrors(0, 1.0, 0));
            assertThat(post(sim, body(10, 3, false)).statusCode()).isEqualTo(504);
            double now = sim.clock().seconds();
            sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 3_600, 1.0, "opus"))));
            assertThat(post(sim, body(10, 3, false)).statusCode()).as("sonnet is outside the storm").isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages"))
                    .header("x-api-key", "flood").header("anthropic-version", "2023-06-01")
                    .POST(HttpRequest.BodyPublishers.ofString(body(10, 3, false).replace("claude-sonnet-4-5", "claude-opus-4-5")))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(529);
            JsonNode stats = sim.stats();
            assertThat(stats.path("faults").path("overloaded").asLong()).isEqualTo(2);
            assertThat(stats.path("faults").path("api_error").asLong()).isEqualTo(1);
            assertThat(stats.path("responses").path("529").asLong()).isEqualTo(2);
        }
    }

    @Test
    void streamFaultsAfterTheOpeningHeaders() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(200).start()) {
            sim.setFaults(FaultProfile.NONE.withMidStreamError(1.0, 3));
            String midError = post(sim, body(200, 3, true)).body();
            assertThat(midError).contains("event: error").contains("overloaded_error").doesNotContain("message_stop");
            sim.setFaults(FaultProfile.NONE.withStreamFaults(0, 0, 1.0));
            String cut = post(sim, body(300, 3, true).replace("\"messages\"", "\"metadata\":{\"user_id\":\"sim:output_tokens=200\"},\"messages\""))
                    .body();
            assertThat(cut).contains("content_block_delta").doesNotContain("message_stop").doesNotContain("event: error");
            sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
            try {
                HttpResponse<String> reset = post(sim, body(10, 3, false));
                assertThat(reset.statusCode()).as("a reset must not look like an answer").isNotEqualTo(200);
            } catch (IOException expected) {
                // the connection was closed without an answer
            }
            assertThat(sim.stats().path("faults").path("connection_reset").asLong()).isEqualTo(1);
        }
    }

    @Test
    void theOutputLengthCanBeSteeredAndIsBoundedByMaxTokens() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(200).configure(s -> s.latency(0, 1e6, 0)).start()) {
            String steered = body(500, 3, false).replace("\"messages\"", "\"metadata\":{\"user_id\":\"sim:output_tokens=123\"},\"messages\"");
            JsonNode m = JSON.readTree(post(sim, steered).body());
            assertThat(m.path("usage").path("output_tokens").asInt()).isEqualTo(123);
            assertThat(m.path("stop_reason").asText()).isEqualTo("end_turn");
            String capped = body(40, 3, false).replace("\"messages\"", "\"metadata\":{\"user_id\":\"sim:output_tokens=123\"},\"messages\"");
            JsonNode c = JSON.readTree(post(sim, capped).body());
            assertThat(c.path("usage").path("output_tokens").asInt()).isEqualTo(40);
            assertThat(c.path("stop_reason").asText()).isEqualTo("max_tokens");
        }
    }
}
