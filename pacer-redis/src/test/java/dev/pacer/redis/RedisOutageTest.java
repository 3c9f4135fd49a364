package dev.pacer.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * redis-server killed mid-run and started again on the same port (empty: no persistence): nothing
 * crashes, every call completes, the degraded mode engages and ends on its own, and across the
 * outage and the return two instances sharing the quota stay within capacity + rate x window.
 * Real time (Redis' TIME), with generous bounds only.
 */
class RedisOutageTest {

    private static final QuotaKey KEY = QuotaKey.of("outage");
    private static final Limit REQUESTS = new Limit(10, 10);

    private record Admission(long before, long after) {
    }

    private static RedisStoreOptions options(RedisUnavailableMode mode) {
        return RedisStoreOptions.builder().unavailableMode(mode).commandTimeout(Duration.ofMillis(400))
                .heartbeatInterval(Duration.ofMillis(200)).build();
    }

    @Test
    void localShareKeepsTheFleetWithinTheQuotaThroughAnOutageAndBack() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisQuotaStore a = RedisQuotaStore.connect(server.uri(), options(RedisUnavailableMode.LOCAL_SHARE));
             RedisQuotaStore b = RedisQuotaStore.connect(server.uri(), options(RedisUnavailableMode.LOCAL_SHARE))) {
            List<Admission> admissions = Collections.synchronizedList(new ArrayList<>());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(7);
            List<Thread> drivers = new ArrayList<>();
            for (RedisQuotaStore store : List.of(a, b)) {
                Quotas quotas = Quotas.builder().store(store).limit(KEY, Dimension.REQUESTS, REQUESTS).build();
                Thread t = new Thread(() -> drive(quotas, end, admissions));
                t.start();
                drivers.add(t);
            }
            Thread.sleep(2_000);
            server.kill();
            assertThat(eventually(() -> a.degraded() && b.degraded(), 10)).as("degraded mode engaged").isTrue();
            int atKill = admissions.size();
            Thread.sleep(2_000);
            assertThat(admissions.size()).as("admitted while Redis was down").isGreaterThan(atKill);
            server.restart();
            assertThat(eventually(() -> !a.degraded() && !b.degraded(), 30)).as("back on Redis").isTrue();
            for (Thread t : drivers) {
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(a.outages()).isEqualTo(1);
            assertThat(b.outages()).isEqualTo(1);
            // Two instances with caches read at slightly different moments: one call each of slack.
            assertWindowBound(admissions, 2);
        }
    }

    @Test
    void failClosedAdmitsNothingWhileDownAndLosesNoCall() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisQuotaStore store = RedisQuotaStore.connect(server.uri(), options(RedisUnavailableMode.FAIL_CLOSED))) {
            Quotas quotas = Quotas.builder().store(store).limit(KEY, Dimension.REQUESTS, REQUESTS).build();
            quotas.acquireBlocking(KEY, Cost.of(Dimension.REQUESTS, 1), Priority.NORMAL, null).settle(Cost.of(Dimension.REQUESTS, 1));
            server.kill();
            assertThat(quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1))).isNull(); // the failure opens the breaker
            assertThat(store.degraded()).isTrue();
            CompletableFuture<Permit> waiting = quotas.acquire(KEY, Cost.of(Dimension.REQUESTS, 1), Priority.NORMAL, null);
            Thread.sleep(1_000);
            assertThat(waiting).isNotDone();
            server.restart();
            Permit p = waiting.get(30, TimeUnit.SECONDS);
            assertThat(store.degraded()).isFalse();
            p.settle(Cost.of(Dimension.REQUESTS, 1));
        }
    }

    @Test
    void failOpenAdmitsWhileDownAndChargesItOnTheReturn() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisQuotaStore store = RedisQuotaStore.connect(server.uri(), options(RedisUnavailableMode.FAIL_OPEN))) {
            Quotas quotas = Quotas.builder().store(store).limit(KEY, Dimension.REQUESTS, REQUESTS).build();
            quotas.acquireBlocking(KEY, Cost.of(Dimension.REQUESTS, 1), Priority.NORMAL, null).settle(Cost.of(Dimension.REQUESTS, 1));
            server.kill();
            quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1)); // opens the breaker
            for (int i = 0; i < 50; i++) {
                Permit p = quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1));
                assertThat(p).isNotNull();
                p.settle(Cost.of(Dimension.REQUESTS, 1));
            }
            server.restart();
            assertThat(eventually(() -> !store.degraded(), 30)).isTrue();
            // 50 admitted alone: the fresh Redis, which would start full, starts the bucket at what they left (nothing)
            assertThat(quotas.view(KEY).dimension(Dimension.REQUESTS).level()).isLessThan(REQUESTS.capacity() / 2.0);
        }
    }

    private static void drive(Quotas quotas, long end, List<Admission> admissions) {
        while (System.nanoTime() < end) {
            long before = micros();
            Permit p = quotas.tryAcquire(KEY, Cost.of(Dimension.REQUESTS, 1));
            long after = micros();
            if (p != null) {
                admissions.add(new Admission(before, after));
                p.settle(Cost.of(Dimension.REQUESTS, 1));
            } else {
                LockSupport.parkNanos(2_000_000);
            }
        }
    }

    private static void assertWindowBound(List<Admission> all, int slack) {
        List<Admission> byBefore = new ArrayList<>(all);
        byBefore.sort(Comparator.comparingLong(Admission::before));
        for (int i = 0; i < byBefore.size(); i++) {
            long start = byBefore.get(i).before();
            List<Admission> inside = new ArrayList<>(byBefore.subList(i, byBefore.size()));
            inside.sort(Comparator.comparingLong(Admission::after));
            int count = 0;
            for (Admission x : inside) {
                count++;
                double window = (x.after() - start) / 1e6;
                assertThat((double) count).as("admitted from %d over %.3f s", start, window)
                        .isLessThanOrEqualTo(REQUESTS.capacity() + REQUESTS.refillPerSecond() * window + slack);
            }
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

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
