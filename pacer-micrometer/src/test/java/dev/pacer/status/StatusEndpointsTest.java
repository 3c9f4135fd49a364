package dev.pacer.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.Pacer;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.time.VirtualTime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusEndpointsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pacer pacer = Pacer.builder().time(new VirtualTime()).build();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatusEndpoints endpoints;

    StatusEndpointsTest() {
        PacerMetrics.bind(pacer, registry);
        endpoints = StatusEndpoints.of(PacerStatus.watch(pacer), StatusEndpoints.prometheus(registry));
    }

    private static String body(StatusEndpoints.Reply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }

    @Test
    void servesThePageTheDocumentAndTheMetricsInTheFormatAskedFor() throws Exception {
        StatusEndpoints.Reply page = endpoints.handle("GET", "/status", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(body(page)).contains("fetch(\"status.json\"").doesNotContain("<script src").doesNotContain("<link ");

        StatusEndpoints.Reply doc = endpoints.handle("GET", "/status.json", null);
        assertThat(doc.contentType()).isEqualTo("application/json");
        assertThat(JSON.readTree(body(doc)).path("version").asInt()).isEqualTo(1);

        assertThat(endpoints.handle("GET", "/metrics", "text/plain").contentType()).startsWith("text/plain; version=0.0.4");
        StatusEndpoints.Reply open = endpoints.handle("GET", "/metrics", "application/openmetrics-text; version=1.0.0");
        assertThat(open.contentType()).startsWith("application/openmetrics-text");
        assertThat(body(open)).endsWith("# EOF\n");
    }

    @Test
    void anUnknownPathOrMethodIsAnsweredInTheApisErrorShape() throws Exception {
        StatusEndpoints.Reply missing = endpoints.handle("GET", "/nope\"<x>", null);
        assertThat(missing.status()).isEqualTo(404);
        JsonNode error = JSON.readTree(body(missing));
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("not_found_error");
        assertThat(error.path("error").path("message").asText()).contains("/status.json").doesNotContain("\"");

        StatusEndpoints.Reply post = endpoints.handle("POST", "/status.json", null);
        assertThat(post.status()).isEqualTo(405);
        assertThat(JSON.readTree(body(post)).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(StatusEndpoints.of(PacerStatus.watch(pacer), null).handle("GET", "/metrics", null).status()).isEqualTo(404);
    }
}
