package dev.pacer.redis;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.pacer.quota.QuotaPropertiesTest;
import dev.pacer.spi.QuotaStore;
import dev.pacer.time.VirtualTime;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Example;

/**
 * pacer-core's quota property suite, unchanged, against the Redis store through the {@code QuotaStore}
 * interface: every check gets a fresh namespace on one real redis-server, and the store takes "now"
 * from the check's virtual clock (its scripts otherwise read Redis' TIME).
 */
class RedisQuotaPropertiesTest {

    private static final AtomicLong NAMESPACES = new AtomicLong();
    private static RedisServer server;
    private static RedisQuotaStore base;

    @BeforeContainer
    static void startRedis() {
        server = RedisServer.start();
        base = RedisQuotaStore.connect(server.uri(), RedisStoreOptions.builder().commandTimeout(java.time.Duration.ofSeconds(10)).build());
    }

    @AfterContainer
    static void stopRedis() {
        base.close();
        server.close();
    }

    static final Function<VirtualTime, QuotaStore> REDIS = time -> base.sharing(RedisStoreOptions.builder()
            .namespace("prop" + NAMESPACES.incrementAndGet()).time(time).clientTime(true)
            .commandTimeout(java.time.Duration.ofSeconds(10)).build());

    @Example
    void passesEveryCheckOnTheSeedsTheBrokenStoresFail() {
        assertThatCode(() -> {
            for (long seed = 1; seed <= 10; seed++) {
                QuotaPropertiesTest.checkSettleAndReleaseNeverLoseOrCreateCapacity(REDIS, seed);
                QuotaPropertiesTest.checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(REDIS, seed, 200);
                QuotaPropertiesTest.checkDeadlineFailuresAreImmediate(REDIS, seed);
                QuotaPropertiesTest.checkAdmissionIsFifoWithinAClass(REDIS, seed);
            }
        }).doesNotThrowAnyException();
    }

    @Property(tries = 30)
    void admittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed,
                                                                @ForAll @IntRange(min = 20, max = 300) int calls) {
        QuotaPropertiesTest.checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(REDIS, seed, calls);
    }

    @Property(tries = 30)
    void settleAndReleaseNeverLoseOrCreateCapacity(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        QuotaPropertiesTest.checkSettleAndReleaseNeverLoseOrCreateCapacity(REDIS, seed);
    }

    @Property(tries = 20)
    void admissionIsFifoWithinAClass(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        QuotaPropertiesTest.checkAdmissionIsFifoWithinAClass(REDIS, seed);
    }

    @Property(tries = 20)
    void deadlineFailuresAreImmediate(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        QuotaPropertiesTest.checkDeadlineFailuresAreImmediate(REDIS, seed);
    }
}
