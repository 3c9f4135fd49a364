package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A batch's {@code results_url}, pointed back at the gateway, names the address the client reached:
 * behind a TLS-terminating proxy, what its {@code Forwarded} or {@code X-Forwarded-Proto}/{@code -Host}
 * headers say when {@code trust-forwarded-headers} is on (ignored when off), and a configured
 * {@code public-url} over both. The URL read through the gateway is then followed, through the gateway.
 */
class ResultsUrlBehindAProxyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BATCH = "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-haiku-4-5\",\"max_tokens\":20,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}]}";

    /** The results_url of an ended batch, read through a gateway configured by {@code settings}, with {@code headers}. */
    private static String resultsUrl(Consumer<GatewaySettings.Builder> settings, String... headers) throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(100).configure(s -> s.batches(300, 100_000)).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, settings); HttpClient http = HttpClient.newHttpClient()) {
            JsonNode batch = send(http, HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages/batches"))
                    .POST(HttpRequest.BodyPublishers.ofString(BATCH)), headers);
            String id = batch.path("id").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!batch.path("processing_status").asText().equals("ended") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                batch = send(http, HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages/batches/" + id)).GET(), headers);
            }
            assertThat(batch.path("processing_status").asText()).isEqualTo("ended");
            String url = batch.path("results_url").asText();
            // The path is the gateway's results endpoint: followed at the gateway's own address, it relays the results.
            String path = URI.create(url).getRawPath();
            path = path.substring(path.indexOf("/v1/")); // a public URL may carry the proxy's own prefix
            HttpResponse<String> results = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + path))
                    .header("x-api-key", "sk-ant-test-results-url").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(results.statusCode()).isEqualTo(200);
            assertThat(results.body()).contains("\"custom_id\":\"a\"");
            return url;
        }
    }

    private static JsonNode send(HttpClient http, HttpRequest.Builder b, String... headers) throws Exception {
        b.header("x-api-key", "sk-ant-test-results-url").header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void forwardedHeadersNameTheProxysAddressWhenTrusted() throws Exception {
        assertThat(resultsUrl(b -> b.trustForwardedHeaders(true), "X-Forwarded-Proto", "https", "X-Forwarded-Host", "llm.example.com"))
                .matches("https://llm\\.example\\.com/v1/messages/batches/[^/]+/results");
        assertThat(resultsUrl(b -> b.trustForwardedHeaders(true), "Forwarded", "for=10.0.0.1;proto=https;host=\"llm.example.com:8443\""))
                .matches("https://llm\\.example\\.com:8443/v1/messages/batches/[^/]+/results");
    }

    @Test
    void forwardedHeadersAreIgnoredWhenNotTrusted() throws Exception {
        assertThat(resultsUrl(b -> { }, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example.com"))
                .matches("http://127\\.0\\.0\\.1:\\d+/v1/messages/batches/[^/]+/results");
    }

    @Test
    void aConfiguredPublicUrlWinsOverForwardedHeaders() throws Exception {
        assertThat(resultsUrl(b -> b.trustForwardedHeaders(true).publicUrl("https://gw.example.org/anthropic/"),
                "X-Forwarded-Proto", "http", "X-Forwarded-Host", "other.example.com"))
                .matches("https://gw\\.example\\.org/anthropic/v1/messages/batches/[^/]+/results");
    }
}
