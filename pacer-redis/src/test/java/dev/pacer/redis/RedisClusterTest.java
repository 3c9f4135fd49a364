package dev.pacer.redis;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The scripts on a real Redis Cluster (three masters): every operation runs for quotas whose hash
 * tags land on every master, each quota's keys on one slot.
 */
class RedisClusterTest {

    @Test
    void everyOperationRunsOnAThreeMasterCluster() throws Exception {
        try (RedisClusterFixture cluster = new RedisClusterFixture();
             RedisQuotaStore store = RedisQuotaStore.connect(cluster.uri(), RedisStoreOptions.builder().cluster(true)
                     .commandTimeout(Duration.ofSeconds(5)).build())) {
            Set<Integer> nodesUsed = new HashSet<>();
            for (int q = 0; q < 12; q++) {
                QuotaKey key = QuotaKey.of("anthropic:key" + q + ":sonnet-4");
                QuotaState s = store.open(key, QuotaModel.perMinute(), QuotaListener.NONE);
                s.setLimit(REQUESTS, Limit.perMinute(3));
                s.setLimit(INPUT_TOKENS, Limit.perMinute(1_000));
                Reservation a = (Reservation) s.reserve(Cost.requests(1, 400, 0), 0, 0);
                s.sent(a);
                Reservation b = (Reservation) s.reserve(Cost.requests(1, 400, 0), 0, 0);
                assertThat(s.reserve(Cost.requests(1, 400, 0), 0, 0)).isInstanceOf(Refusal.class); // input tokens
                assertThat(s.estimate(Cost.requests(1, 400, 0), Cost.ZERO)).isNotNull();
                s.settle(a, Cost.requests(1, 100, 0), new RateLimitSnapshot(Instant.now(),
                        Map.of(REQUESTS, new RateLimitSnapshot.Entry(3, 2, null, 1))));
                s.release(b);
                s.calibrate(new RateLimitSnapshot(Instant.now(), Map.of(REQUESTS, new RateLimitSnapshot.Entry(3, 2, null, 1))), null);
                s.pause(Dimension.REQUESTS, Instant.now().plusSeconds(1), 0, 0);
                QuotaState.View v = s.view();
                assertThat(v.inFlight()).isZero();
                assertThat(v.dimensions().get(INPUT_TOKENS).reserved()).isZero();
                assertThat(v.dimensions().get(INPUT_TOKENS).level()).isBetween(899.0, 1_000.0); // 100 used, refilled a little
                assertThat(v.dimensions().get(REQUESTS).pausedUntil()).isNotNull();
                for (int n = 0; n < cluster.nodes().size(); n++) {
                    String reply = cluster.nodes().get(n).command("CLUSTER COUNTKEYSINSLOT "
                            + cluster.nodes().get(0).command("CLUSTER KEYSLOT " + key.id()).substring(1));
                    if (!reply.equals(":0")) {
                        nodesUsed.add(n);
                    }
                }
            }
            assertThat(nodesUsed).as("quotas on every master").hasSize(3);
        }
    }
}
