package dev.pacer.redis;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store's operations against a real redis-server, two "instances" sharing one quota. */
class RedisQuotaStoreTest {

    private static final AtomicLong NAMESPACES = new AtomicLong();
    private static RedisServer server;
    private static RedisQuotaStore base;
    private static final QuotaKey KEY = QuotaKey.of("anthropic:fp:sonnet-4");

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        base = RedisQuotaStore.connect(server.uri(), RedisStoreOptions.builder().commandTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterAll
    static void stop() {
        base.close();
        server.close();
    }

    private static RedisQuotaStore store(VirtualTime time, String namespace) {
        return base.sharing(RedisStoreOptions.builder().namespace(namespace).time(time).clientTime(true)
                .commandTimeout(Duration.ofSeconds(10)).build());
    }

    private static String fresh() {
        return "t" + NAMESPACES.incrementAndGet();
    }

    @Test
    void twoInstancesShareOneBucketAndAreToldTheExactWait() {
        VirtualTime time = new VirtualTime();
        String ns = fresh();
        QuotaState a = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        QuotaState b = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        a.setLimit(REQUESTS, Limit.perMinute(60)); // 1 per second, burst 60
        for (int i = 0; i < 30; i++) {
            assertThat(a.reserve(Cost.of(REQUESTS, 1), 0, 0)).isInstanceOf(Reservation.class);
            assertThat(b.reserve(Cost.of(REQUESTS, 1), 0, 0)).isInstanceOf(Reservation.class);
        }
        ReserveResult refused = b.reserve(Cost.of(REQUESTS, 2), 0, 0);
        assertThat(refused).isInstanceOf(Refusal.class);
        Refusal wait = (Refusal) refused;
        assertThat(wait.kind()).isEqualTo(Refusal.Kind.WAIT);
        // both held dimensions are in flight: refill alone would take 2 s, and the jitter adds at most 5%
        assertThat(wait.waitNanos()).isBetween(2_000_000_000L, 2_100_000_000L);
        assertThat(a.view().inFlight()).isEqualTo(60);
    }

    @Test
    void anInteractiveCallWaitingOnOneInstanceKeepsBulkWorkOfAnotherOut() {
        VirtualTime time = new VirtualTime();
        String ns = fresh();
        QuotaState a = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        QuotaState b = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        a.setLimit(REQUESTS, Limit.perMinute(60));
        Reservation burst = (Reservation) b.reserve(Cost.of(REQUESTS, 60), Priority.BULK, 0, 0);
        b.settle(burst, Cost.of(REQUESTS, 60), null); // the bucket is empty, nothing in flight
        Refusal interactive = (Refusal) a.reserve(Cost.of(REQUESTS, 1), Priority.INTERACTIVE, 0, 0);
        assertThat(interactive.waitNanos()).isBetween(1_000_000_000L, 1_100_000_000L);
        time.advance(Duration.ofMillis(1_000));
        // B's bulk call comes first at the instant the room appears, and is kept out by A's claim
        ReserveResult bulk = b.reserve(Cost.of(REQUESTS, 1), Priority.BULK, 0, 0);
        assertThat(bulk).isInstanceOf(Refusal.class);
        assertThat(((Refusal) bulk).waitNanos()).isPositive().isLessThanOrEqualTo(60_000_000L);
        assertThat(a.reserve(Cost.of(REQUESTS, 1), Priority.INTERACTIVE, 0, 0)).isInstanceOf(Reservation.class);
        // once the claim has ended, bulk work goes again
        time.advance(Duration.ofSeconds(2));
        assertThat(b.reserve(Cost.of(REQUESTS, 1), Priority.BULK, 0, 0)).isInstanceOf(Reservation.class);
    }

    @Test
    void reservesEveryDimensionOrNone() {
        VirtualTime time = new VirtualTime();
        QuotaState s = store(time, fresh()).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        s.setLimit(REQUESTS, Limit.perMinute(10));
        s.setLimit(INPUT_TOKENS, Limit.perMinute(1_000));
        ReserveResult r = s.reserve(Cost.requests(1, 1_500, 0), 0, 0);
        assertThat(r).isInstanceOf(Refusal.class);
        assertThat(((Refusal) r).kind()).isEqualTo(Refusal.Kind.NEVER);
        assertThat(((Refusal) r).dimension()).isEqualTo(INPUT_TOKENS);
        assertThat(s.reserve(Cost.requests(1, 900, 0), 0, 0)).isInstanceOf(Reservation.class);
        ReserveResult second = s.reserve(Cost.requests(1, 200, 0), 0, 0);
        assertThat(second).isInstanceOf(Refusal.class);
        QuotaState.View view = s.view();
        assertThat(view.dimensions().get(REQUESTS).level()).isEqualTo(9.0); // the refused call took nothing
        assertThat(view.dimensions().get(INPUT_TOKENS).level()).isEqualTo(100.0);
    }

    @Test
    void settlementRefundsAtOnceAndASecondSettlementIsIgnored() {
        VirtualTime time = new VirtualTime();
        QuotaState s = store(time, fresh()).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        s.setLimit(OUTPUT_TOKENS, Limit.perMinute(1_000));
        Reservation r = (Reservation) s.reserve(Cost.of(OUTPUT_TOKENS, 800), 0, 0);
        s.settle(r, Cost.of(OUTPUT_TOKENS, 300), null);
        s.settle(r, Cost.ZERO, null);
        assertThat(s.view().dimensions().get(OUTPUT_TOKENS).level()).isEqualTo(700.0);
        assertThat(s.view().inFlight()).isZero();
    }

    @Test
    void calibrationCountsWhatIsInFlightAnywhereInTheFleet() {
        VirtualTime time = new VirtualTime();
        String ns = fresh();
        QuotaState a = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        QuotaState b = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        a.setLimit(INPUT_TOKENS, Limit.perMinute(100_000));
        Reservation first = (Reservation) a.reserve(Cost.requests(1, 10_000, 0), 0, 0);
        a.sent(first);
        Reservation later = (Reservation) b.reserve(Cost.requests(1, 20_000, 0), 0, 0); // on the other instance
        b.sent(later);
        Reservation unsent = (Reservation) b.reserve(Cost.requests(1, 5_000, 0), 0, 0);
        // The answer to the first call: the provider counted it, not what was sent after it or not sent.
        a.settle(first, Cost.requests(1, 10_000, 0), new RateLimitSnapshot(time.instant(),
                Map.of(INPUT_TOKENS, new RateLimitSnapshot.Entry(100_000, 60_000, null, 1_000))));
        // target = 60,000 - (20,000 sent later on b + 5,000 not sent) = 35,000: lower than 65,000, believed at once
        assertThat(b.view().dimensions().get(INPUT_TOKENS).level()).isEqualTo(35_000.0);
        assertThat(unsent.cost().get(INPUT_TOKENS)).isEqualTo(5_000);
    }

    @Test
    void anUnsettledReservationOfACrashedInstanceEndsAfterItsTimeout() {
        VirtualTime time = new VirtualTime();
        RedisQuotaStore store = base.sharing(RedisStoreOptions.builder().namespace(fresh()).time(time).clientTime(true)
                .reservationTimeout(Duration.ofSeconds(10)).heartbeatInterval(Duration.ofMinutes(1)).commandTimeout(Duration.ofSeconds(10)).build());
        QuotaState s = store.open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        s.setLimit(REQUESTS, Limit.perMinute(60));
        s.reserve(Cost.of(REQUESTS, 60), 0, 0); // never settled
        time.advance(Duration.ofSeconds(11));
        assertThat(s.reserve(Cost.of(REQUESTS, 1), 0, 0)).isInstanceOf(Reservation.class); // sweeps first
        QuotaState.View v = s.view();
        assertThat(v.inFlight()).isEqualTo(1);
        assertThat(v.dimensions().get(REQUESTS).reserved()).isEqualTo(1);
        // it kept what it took (it may have been sent): 60 - 60 + 11 s of refill - 1
        assertThat(v.dimensions().get(REQUESTS).level()).isEqualTo(10.0);
    }

    @Test
    void scriptsAreLoadedAgainAfterTheServerForgetsThem() {
        VirtualTime time = new VirtualTime();
        QuotaState s = store(time, fresh()).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        s.setLimit(REQUESTS, Limit.perMinute(5));
        assertThat(server.command("SCRIPT FLUSH")).isEqualTo("+OK");
        assertThat(s.reserve(Cost.of(REQUESTS, 1), 0, 0)).isInstanceOf(Reservation.class);
        assertThat(server.command("SCRIPT EXISTS " + "0".repeat(40))).startsWith("*1");
    }

    @Test
    void everyKeyOfAQuotaSharesOneHashTag() {
        VirtualTime time = new VirtualTime();
        String ns = fresh();
        QuotaState s = store(time, ns).open(KEY, QuotaModel.perMinute(), QuotaListener.NONE);
        s.setLimit(REQUESTS, Limit.perMinute(5));
        Reservation r = (Reservation) s.reserve(Cost.of(REQUESTS, 1), 0, 0);
        s.sent(r);
        s.view();
        String tag = "{" + KEY.id() + "}";
        for (String suffix : new String[] {"s", "r", "sent", "exp", "fleet"}) {
            assertThat(server.command("EXISTS " + ns + ":" + tag + ":" + suffix)).as(suffix).isEqualTo(":1");
        }
    }

    @Test
    void aBadUriIsOneSentenceWithoutThePassword() {
        assertThatThrownBy(() -> RedisQuotaStore.connect("http://:s3cret@host:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("s3cret").hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisQuotaStore.connect("redis://:s3cret@127.0.0.1:" + RedisServer.freePortUnchecked(),
                RedisStoreOptions.builder().commandTimeout(Duration.ofMillis(300)).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("s3cret").hasMessageContaining("cannot be reached");
    }
}
