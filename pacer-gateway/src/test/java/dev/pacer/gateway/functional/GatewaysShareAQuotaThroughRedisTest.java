package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.gateway.Gateway;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisServer;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two gateways in front of one API key, each with its own engine, share the key's quota through one
 * real redis-server: together they send a job that needs about two minutes of Tier-1 output quota, and
 * the simulator sees no 429 beyond the first answers (none in practice) and no over-admission. Each
 * gateway's store is a connection of its own, as two processes would have.
 */
class GatewaysShareAQuotaThroughRedisTest {

    private static final String KEY = "sk-ant-test-fleet-client";

    @Test
    void twoGatewaysOnOneStorePaceTheKeyAsOne() throws Exception {
        try (RedisServer redis = RedisServer.start();
             SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(30).seed(21).start();
             HttpClient http = HttpClient.newHttpClient()) {
            double scale = sim.clock().scale();
            List<Gateway> gateways = new ArrayList<>();
            List<RedisQuotaStore> stores = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    ScaledClock time = new ScaledClock(sim.clock().now(), scale);
                    RedisQuotaStore store = RedisQuotaStore.connect(redis.uri(), RedisStoreOptions.builder()
                            .clock(time).scheduler(time).clientTime(true).build());
                    stores.add(store);
                    gateways.add(Gateway.builder().settings(GatewaySettings.builder().listen("127.0.0.1", 0).upstreamUrl(sim.baseUrl())
                            .build()).time(time, scale).store(store).log(line -> { }).start());
                }
                // 40 Haiku calls of 500 output tokens: 20,000 tokens against 10,000 a minute.
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":600,\"metadata\":{\"user_id\":\"sim:output_tokens=500\"},"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i + "\"}]}";
                    calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gateways.get(i % 2).url() + "/v1/messages"))
                            .header("x-api-key", KEY).header("x-pacer-deadline-ms", "600000").header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> c : calls) {
                    assertThat(c.join().statusCode()).isEqualTo(200);
                }
                assertThat(sim.snapshot().responses(429)).as("429s on the wire").isLessThanOrEqualTo(1);
                assertThat(sim.maxWindowOveradmission()).isZero();
            } finally {
                gateways.forEach(Gateway::close);
                stores.forEach(RedisQuotaStore::close);
            }
        }
    }
}
