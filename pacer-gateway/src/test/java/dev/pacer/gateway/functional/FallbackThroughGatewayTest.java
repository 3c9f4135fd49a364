package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retries and fallback happen inside the gateway, before the first byte: with the primary model in
 * a 529 storm, a plain call and a stream are both answered by the fallback model, the client sees
 * 200 and {@code x-pacer-model} names the model that answered, {@code x-pacer-attempts} the tries.
 */
class FallbackThroughGatewayTest {

    private static final String BODY = "{\"model\":\"claude-opus-4-5\",\"max_tokens\":32,%s\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Test
    void anOverloadedPrimaryFallsBackInsideTheGateway() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).start();
        double now = sim.clock().seconds();
        sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> b.fallbackModels(List.of("claude-sonnet-4-5")));
             HttpClient http = HttpClient.newHttpClient()) {
            for (String stream : new String[] {"", "\"stream\":true,"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages"))
                        .header("x-api-key", "sk-ant-fallback-test").POST(HttpRequest.BodyPublishers.ofString(BODY.formatted(stream))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-pacer-model")).hasValue("claude-sonnet-4-5");
                assertThat(Integer.parseInt(r.headers().firstValue("x-pacer-attempts").orElseThrow())).isGreaterThan(1);
                assertThat(r.body()).contains("claude-sonnet-4-5");
                if (!stream.isEmpty()) {
                    assertThat(r.body()).startsWith("event: message_start").contains("event: message_stop");
                }
            }
            assertThat(sim.stats().path("overloaded_529").asLong()).isPositive();
        }
    }
}
