package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the upstream refuses reaches the client as the upstream sent it: status, error body and
 * {@code request-id} (a request error is not retried), streaming or not, and an endpoint the gateway
 * does not know is relayed rather than refused.
 */
class UpstreamAnswersAsTheyAreTest {

    @Test
    void refusalsAndUnknownEndpointsPassAsTheyAre() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).configure(s -> s.apiKeys(Set.of("sk-ant-test-good"))).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> { }); HttpClient http = HttpClient.newHttpClient()) {
            for (String stream : new String[] {"", "\"stream\":true,"}) {
                HttpResponse<String> bad = post(http, fixture, "sk-ant-test-good",
                        "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":0," + stream + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
                assertThat(bad.statusCode()).isEqualTo(400);
                assertThat(bad.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"").contains("max_tokens");
                assertThat(bad.headers().firstValue("request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
                assertThat(bad.headers().firstValue("x-pacer-attempts")).hasValue("1");
            }
            HttpResponse<String> wrongKey = post(http, fixture, "sk-ant-test-wrong",
                    "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
            assertThat(wrongKey.statusCode()).isEqualTo(401);
            assertThat(wrongKey.body()).contains("authentication_error");
            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/files?limit=2"))
                    .header("x-api-key", "sk-ant-test-good").build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/files?limit=2"))
                    .header("x-api-key", "sk-ant-test-good").header("anthropic-version", "2023-06-01").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).as("relayed, not refused").isEqualTo(direct.statusCode());
            assertThat(unknown.body().replaceAll("req_\\w+", "req")).isEqualTo(direct.body().replaceAll("req_\\w+", "req"));
        }
    }

    private static HttpResponse<String> post(HttpClient http, GatewayFixture fixture, String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("x-api-key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
