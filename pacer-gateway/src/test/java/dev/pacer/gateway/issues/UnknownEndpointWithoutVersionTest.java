package dev.pacer.gateway.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.gateway.Gateway;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Found by {@code UpstreamAnswersAsTheyAreTest}: an endpoint the gateway does not know was relayed
 * without {@code anthropic-version} when the client sent none, so the upstream refused it with 400,
 * while the same client's Messages calls (whose pipeline adds the version) worked. The relay now adds
 * the version the pipeline sends.
 */
class UnknownEndpointWithoutVersionTest {

    @Test
    void anUnknownEndpointGetsTheVersionHeaderLikeTheKnownOnes() throws Exception {
        try (SimServer sim = SimServer.builder().start();
             Gateway gateway = Gateway.builder().settings(GatewaySettings.builder().listen("127.0.0.1", 0).upstreamUrl(sim.baseUrl()).build())
                     .log(line -> { }).start();
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/files"))
                    .header("x-api-key", "sk-ant-test-issue").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isNotEqualTo(400);
            assertThat(r.body()).doesNotContain("anthropic-version");
        }
    }
}
