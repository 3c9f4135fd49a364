package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@code max_in_flight}: the most requests answered at once, overall and per key, streams included. */
class InFlightTest {

    @Test
    void theMostRequestsAnsweredAtOnceAreCountedOverallAndPerKey() throws Exception {
        // Each answer takes 1 simulated second (0.5 s real): five sent together overlap, sequential ones never do.
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(2).configure(s -> s.latency(1, 1e6, 0)).start()) {
            Client a = new Client(sim, "sk-key-a");
            Client b = new Client(sim, "sk-key-b");
            for (int i = 0; i < 3; i++) {
                assertThat(b.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 5).toString()).statusCode()).isEqualTo(200);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                boolean stream = i % 2 == 0;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        return a.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, stream, 5).toString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            go.countDown();
            calls.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
            JsonNode stats = json(a.get("/_sim/stats"));
            assertThat(stats.path("max_in_flight").asInt()).isEqualTo(5);
            assertThat(stats.path("in_flight").asInt()).isZero();
            assertThat(stats.path("keys").path(SimStats.keyId("sk-key-a")).path("max_in_flight").asInt()).isEqualTo(5);
            assertThat(stats.path("keys").path(SimStats.keyId("sk-key-b")).path("max_in_flight").asInt()).isEqualTo(1);
            assertThat(sim.snapshot().maxInFlight("sk-key-a")).isEqualTo(5);
            // Admin calls are not API requests; a reset forgets the high-water marks.
            a.post("/_sim/reset", "");
            JsonNode after = json(a.get("/_sim/stats"));
            assertThat(after.path("max_in_flight").asInt()).isZero();
            assertThat(after.path("keys").has(SimStats.keyId("sk-key-a"))).isFalse();
        }
    }
}
