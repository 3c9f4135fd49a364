package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code x-pacer-priority} picks the admission class: with a queue of bulk calls waiting for a tight
 * quota, an interactive call that arrives after them is admitted ahead of those still waiting.
 */
class PriorityThroughGatewayTest {

    private static final String BODY = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Test
    void anInteractiveCallOvertakesQueuedBulkCalls() throws Exception {
        // Six requests a minute, a minute per second: about one admission every 170 ms.
        SimServer sim = SimServer.builder().timeScale(60).limits(6, 1_000_000, 1_000_000).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> { }); HttpClient http = HttpClient.newHttpClient()) {
            List<String> finished = new CopyOnWriteArrayList<>();
            List<CompletableFuture<?>> calls = new ArrayList<>();
            // The first call teaches the limits (cold start lets one go alone), then the queue forms.
            assertThat(send(http, fixture, "bulk").statusCode()).isEqualTo(200);
            for (int i = 0; i < 12; i++) {
                String name = "bulk-" + i;
                calls.add(sendAsync(http, fixture, "bulk").thenRun(() -> finished.add(name)));
            }
            Thread.sleep(300);
            calls.add(sendAsync(http, fixture, "interactive").thenRun(() -> finished.add("interactive")));
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            int at = finished.indexOf("interactive");
            assertThat(at).as("finished: " + finished).isLessThan(8);
            assertThat(sim.maxWindowOveradmission()).isZero();
        }
    }

    private static HttpRequest request(GatewayFixture fixture, String priority) {
        return HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("x-api-key", "sk-ant-priority-test")
                .header("x-pacer-priority", priority).header("x-pacer-deadline-ms", "60000")
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
    }

    private static HttpResponse<String> send(HttpClient http, GatewayFixture fixture, String priority) throws Exception {
        return http.send(request(fixture, priority), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(HttpClient http, GatewayFixture fixture, String priority) {
        return http.sendAsync(request(fixture, priority), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            return r;
        });
    }
}
