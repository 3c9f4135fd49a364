package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The gateway serves {@code /metrics}, {@code /status.json} and {@code /status} over its engine: with
 * traffic relayed to a simulator that overloads a third of the calls, the 529 series counts exactly the
 * simulator's 529s and the 429 series stays at zero; the status document names the pool the calls used;
 * none of the three shows the client's key.
 */
class GatewayMetricsTest {

    private static final String KEY = TestKeys.unique("sk-ant-test-metrics-");
    private static final String MESSAGE = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Test
    void metricsCount529sApartFrom429sAndNoPageShowsAKey() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(5).faults(FaultProfile.NONE.withOverloaded(0.35)).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> { }); HttpClient http = HttpClient.newHttpClient()) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("x-api-key", KEY)
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            long answered = 0;
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                answered += c.join().statusCode() == 200 ? 1 : 0;
            }
            String metrics = get(http, fixture.url() + "/metrics").body();
            long overloaded = sim.snapshot().responses(529);
            assertThat(overloaded).as("the storm reached the wire").isPositive();
            assertThat(sum(metrics, "pacer_upstream_responses_total", "status=\"529\"")).isEqualTo(overloaded);
            assertThat(sum(metrics, "pacer_upstream_responses_total", "status=\"429\"")).isZero();
            assertThat(sum(metrics, "pacer_upstream_responses_total", "status=\"200\"")).isEqualTo(sim.snapshot().responses(200));
            assertThat(metrics).contains("jvm_memory_used_bytes");
            // Jetty's own meters: request times by method and status, connections, the thread pool.
            assertThat(sum(metrics, "jetty_server_requests_seconds_count", "method=\"POST\",outcome=\"SUCCESS\",status=\"200\""))
                    .as("the POSTs the gateway answered 200").isEqualTo(answered).isPositive();
            assertThat(sum(metrics, "jetty_connections_max_connections", "connector_name")).as("connections at once").isPositive();
            assertThat(metrics).contains("jetty_threads_current").contains("jetty_server_handling_seconds_count");

            HttpResponse<String> json = get(http, fixture.url() + "/status.json");
            assertThat(json.statusCode()).isEqualTo(200);
            JsonNode status = new ObjectMapper().readTree(json.body());
            assertThat(status.toString()).contains("haiku");
            HttpResponse<String> page = get(http, fixture.url() + "/status");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
            for (String body : List.of(metrics, json.body(), page.body())) {
                assertThat(body).doesNotContain(KEY).doesNotContain(KEY.substring(KEY.length() - 6));
            }
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum of the samples of {@code name} whose label set contains {@code label} (Prometheus text format). */
    private static long sum(String exposition, String name, String label) {
        double total = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Math.round(total);
    }
}
