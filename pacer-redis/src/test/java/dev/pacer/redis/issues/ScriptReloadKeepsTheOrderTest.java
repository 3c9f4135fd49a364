package dev.pacer.redis.issues;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisServer;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Regression: with one script per operation, after the server forgot them (SCRIPT FLUSH) the
 * limits set just before a reserve (sent and not waited for, then retried by EVAL when refused) ran
 * after that reserve, whose script an earlier reserve had loaded again: a cost above the new capacity
 * was granted (found when a test that flushes ran before one that sets limits). With every operation in one script, the refusals and their retries keep the order.
 */
class ScriptReloadKeepsTheOrderTest {

    @Test
    void limitsSetJustBeforeAReserveApplyToItAfterTheServerForgotTheScript() {
        try (RedisServer server = RedisServer.start();
             RedisQuotaStore base = RedisQuotaStore.connect(server.uri(), RedisStoreOptions.builder()
                     .commandTimeout(Duration.ofSeconds(10)).build())) {
            VirtualTime time = new VirtualTime();
            RedisQuotaStore store = base.sharing(RedisStoreOptions.builder().namespace("reload").time(time).clientTime(true)
                    .commandTimeout(Duration.ofSeconds(10)).build());
            QuotaState s = store.open(QuotaKey.of("k"), QuotaModel.perMinute(), QuotaListener.NONE);
            s.reserve(Cost.of(REQUESTS, 1), 0, 0); // the script is loaded and used
            for (int round = 0; round < 20; round++) {
                assertThat(server.command("SCRIPT FLUSH")).isEqualTo("+OK");
                s.reserve(Cost.of(REQUESTS, 0), 0, 0); // reloaded by a reserve: with a script per operation, only reserve's
                QuotaState fresh = store.open(QuotaKey.of("k" + round), QuotaModel.perMinute(), QuotaListener.NONE);
                fresh.setLimit(REQUESTS, Limit.perMinute(10));
                fresh.setLimit(INPUT_TOKENS, Limit.perMinute(1_000));
                assertThat(fresh.reserve(Cost.requests(1, 1_500, 0), 0, 0)).as("round %d", round)
                        .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.kind()).isEqualTo(Refusal.Kind.NEVER));
            }
        }
    }
}
