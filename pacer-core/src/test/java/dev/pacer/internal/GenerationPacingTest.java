package dev.pacer.internal;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.QuotaStore;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * Admission by the speed of generation ({@link GenerationPacing}) through the in-memory store: what
 * it admits that taking the reservation at once would not, and, over random workloads on a provider
 * that counts output token by token as it is generated, that the provider's bucket never runs dry.
 */
class GenerationPacingTest {

    private static final QuotaKey KEY = QuotaKey.of("acct:sonnet");
    private static final RateLimitSnapshot NOTHING = new RateLimitSnapshot(java.time.Instant.EPOCH, Map.of());

    /** Per-minute rules, with output counted as generated and paced by speed (or not: the old rule). */
    private static QuotaModel model(boolean paced) {
        QuotaModel rules = QuotaModel.perMinute();
        return new QuotaModel() {
            @Override
            public Limit limitOf(Dimension dimension, long reported) {
                return rules.limitOf(dimension, reported);
            }

            @Override
            public boolean countedAsGenerated(Dimension dimension) {
                return rules.countedAsGenerated(dimension);
            }

            @Override
            public boolean generatedOverTime(Dimension dimension) {
                return paced && dimension == OUTPUT_TOKENS;
            }

            @Override
            public Cost chargedFor(Outcome outcome, Cost reserved) {
                return rules.chargedFor(outcome, reserved);
            }
        };
    }

    private final VirtualTime time = new VirtualTime();

    private QuotaState tier1(boolean paced) {
        QuotaState state = QuotaStore.inMemory(time).open(KEY, model(paced), QuotaListener.NONE);
        state.setLimit(REQUESTS, Limit.perMinute(50));
        state.setLimit(INPUT_TOKENS, Limit.perMinute(30_000));
        state.setLimit(OUTPUT_TOKENS, Limit.perMinute(8_000)); // 133 a second
        return state;
    }

    /** One call of 1,000 output tokens that took 10 s: 100 a second, a bound of 150. */
    private void learnTheSpeed(QuotaState state) {
        Reservation r = (Reservation) state.reserve(Cost.requests(1, 100, 1_000), 1, 1);
        state.sent(r);
        time.advance(Duration.ofSeconds(10));
        state.settle(r, Cost.requests(1, 100, 1_000), NOTHING);
        time.advance(Duration.ofMinutes(2)); // full again
    }

    @Test
    void aSecondLargeCallGoesInWhileTheFirstIsGeneratingWhenTheRefillCoversTheirSpeed() {
        for (boolean paced : new boolean[] {false, true}) {
            QuotaState state = tier1(paced);
            learnTheSpeed(state);
            ReserveResult first = state.reserve(Cost.requests(1, 100, 6_000), 2, 1);
            assertThat(first).isInstanceOf(Reservation.class);
            // 2,000 left of 8,000. Both calls producing at 150/s for 40 s take 12,000 while 8,000 + 40 s x 133 = 13,333 are there.
            ReserveResult second = state.reserve(Cost.requests(1, 100, 6_000), 3, 1);
            if (paced) {
                assertThat(second).as("paced by the speed of generation").isInstanceOf(Reservation.class);
            } else {
                assertThat(second).as("the whole reservation taken at once").isInstanceOf(Refusal.class);
            }
        }
    }

    @Test
    void aThirdThatWouldRunTheBucketDryWaitsAndIsToldASoonerTimeThanTheRefillAloneWouldGive() {
        QuotaState state = tier1(true);
        learnTheSpeed(state);
        state.reserve(Cost.requests(1, 100, 6_000), 2, 1);
        state.reserve(Cost.requests(1, 100, 6_000), 3, 1);
        // Three at 150/s for 40 s: 18,000 > 13,333.
        ReserveResult third = state.reserve(Cost.requests(1, 100, 6_000), 4, 1);
        assertThat(third).isInstanceOf(Refusal.class);
        Refusal wait = (Refusal) third;
        assertThat(wait.kind()).isEqualTo(Refusal.Kind.WAIT);
        // The level is 8,000 - 12,000 = -4,000; the refill alone would need 75 s to reach 6,000.
        assertThat(wait.waitNanos()).isPositive().isLessThan(Duration.ofSeconds(75).toNanos());
        time.advance(Duration.ofNanos(wait.waitNanos()));
        assertThat(state.reserve(Cost.requests(1, 100, 6_000), 4, 1)).as("fits when it said").isInstanceOf(Reservation.class);
    }

    @Test
    void withoutASpeedSampleTheOldRuleHolds() {
        QuotaState state = tier1(true);
        // A small answer (below the sample size) says more about latency than speed.
        Reservation small = (Reservation) state.reserve(Cost.requests(1, 100, 200), 1, 1);
        time.advance(Duration.ofSeconds(1));
        state.settle(small, Cost.requests(1, 100, 200), NOTHING);
        time.advance(Duration.ofMinutes(2));
        state.reserve(Cost.requests(1, 100, 6_000), 2, 1);
        assertThat(state.reserve(Cost.requests(1, 100, 6_000), 3, 1)).isInstanceOf(Refusal.class);
    }

    /**
     * A provider that counts output as it is generated: every admitted call produces its actual output
     * at its own speed (at most {@code fastest}), the bucket refills and is charged token by token, and
     * it must never go below zero. The calls settle when their answer is complete, so the engine learns
     * the speed from them. Every actual is at most its reservation (what an estimate promises).
     */
    @Property(tries = 40)
    void theProvidersBucketNeverRunsDryWhenOutputIsCountedAsItIsGenerated(
            @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed, @ForAll @DoubleRange(min = 20, max = 400) double fastest) {
        Random random = new Random(seed);
        QuotaState state = tier1(true);
        double capacity = 8_000;
        double rate = 8_000 / 60.0;
        double provider = capacity;
        record Running(Reservation r, double actual, double speed, double[] produced) {
        }
        List<Running> running = new ArrayList<>();
        List<Cost> waiting = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            long max = new long[] {256, 1_024, 4_096}[random.nextInt(3)];
            waiting.add(Cost.requests(1, 100 + random.nextInt(400), max));
        }
        double dt = 0.1;
        int admitted = 0;
        for (int step = 0; step < 200_000 && (admitted < 120 || !running.isEmpty()); step++) {
            time.advance(Duration.ofMillis(100));
            provider = Math.min(capacity, provider + rate * dt);
            for (int i = running.size() - 1; i >= 0; i--) {
                Running c = running.get(i);
                double more = Math.min(c.actual - c.produced[0], c.speed * dt);
                c.produced[0] += more;
                provider -= more;
                assertThat(provider).as("the provider's output bucket at %.1f s", step * dt).isGreaterThanOrEqualTo(-1e-6);
                if (c.produced[0] >= c.actual - 1e-9) {
                    state.settle(c.r, Cost.requests(1, c.r.cost().get(INPUT_TOKENS), (long) c.actual), NOTHING);
                    running.remove(i);
                }
            }
            while (admitted < 120) {
                Cost cost = waiting.get(admitted);
                ReserveResult result = state.reserve(cost, admitted + 1, 1);
                if (!(result instanceof Reservation r)) {
                    break;
                }
                assertThat(provider).as("the provider admits while it has a token").isGreaterThanOrEqualTo(1);
                state.sent(r);
                long max = cost.get(OUTPUT_TOKENS);
                double actual = Math.max(1, Math.floor(max * random.nextDouble()));
                running.add(new Running(r, actual, fastest * (0.6 + 0.4 * random.nextDouble()), new double[1]));
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(120);
    }
}
