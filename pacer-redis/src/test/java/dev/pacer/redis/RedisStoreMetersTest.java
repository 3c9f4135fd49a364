package dev.pacer.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * {@code pacer.redis.degraded} is 1 while redis-server is killed and 0 once it is back, {@code pacer.redis.outages}
 * counts the outage, and the outage is warned about once however many operations meet it; the one tag is the
 * store's instance id.
 */
class RedisStoreMetersTest {

    private static final QuotaKey KEY = QuotaKey.of("meters");

    @Test
    void theDegradedGaugeFollowsAnOutageAndItsWarningComesOnce() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("dev.pacer.redis");
        logger.addHandler(handler);
        RedisStoreOptions options = RedisStoreOptions.builder().commandTimeout(Duration.ofMillis(400)).heartbeatInterval(Duration.ofMillis(200))
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RedisServer server = RedisServer.start();
             RedisQuotaStore store = RedisQuotaStore.connect(server.uri(), options)) {
            new RedisStoreMeters(store).bindTo(registry);
            Quotas quotas = Quotas.builder().store(store).limit(KEY, Dimension.REQUESTS, new Limit(1_000, 1_000)).build();
            quotas.acquireBlocking(KEY, Cost.of(Dimension.REQUESTS, 1), Priority.NORMAL, null).settle(Cost.of(Dimension.REQUESTS, 1));
            assertThat(registry.get("pacer.redis.degraded").gauge().value()).isZero();

            server.kill();
            quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1)); // meets the outage
            assertThat(eventually(store::degraded, 10)).isTrue();
            for (int i = 0; i < 20; i++) {
                Permit p = quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1));
                if (p != null) {
                    p.settle(Cost.of(Dimension.REQUESTS, 1));
                }
            }
            assertThat(registry.get("pacer.redis.degraded").gauge().value()).isEqualTo(1);
            assertThat(registry.get("pacer.redis.outages").functionCounter().count()).isEqualTo(1);
            assertThat(warnings).hasSize(1);

            server.restart();
            assertThat(eventually(() -> !store.degraded(), 30)).isTrue();
            assertThat(registry.get("pacer.redis.degraded").gauge().value()).isZero();
            assertThat(registry.get("pacer.redis.outages").functionCounter().count()).isEqualTo(1);
            assertThat(warnings).hasSize(1);
            assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags()).extracting(t -> t.getKey())
                    .containsExactly("store"));
        } finally {
            logger.removeHandler(handler);
        }
    }

    private static boolean eventually(BooleanSupplier condition, int seconds) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < until) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
