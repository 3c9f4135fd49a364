package dev.pacer.quota;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.spi.QuotaState;
import dev.pacer.spi.QuotaStore;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import dev.pacer.time.VirtualTime;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The quota properties are a contract any {@link QuotaStore} is held to: stores that break one rule
 * each fail them on the same seeds on which the in-memory store passes, so a second store (Redis)
 * tested by the same checks is tested for real.
 */
class BrokenStoresFailThePropertiesTest {

    private static final int SEEDS = 10;

    @Test
    void theInMemoryStorePassesEveryCheckOnTheseSeeds() {
        assertThatCode(() -> runAll(QuotaPropertiesTest.IN_MEMORY)).doesNotThrowAnyException();
    }

    @Test
    void aStoreThatForgetsAReleaseFailsTheConservationOfCapacity() {
        Function<VirtualTime, QuotaStore> forgetful = broken(state -> new Delegating(state) {
            @Override
            public void settle(Reservation reservation, Cost actual, RateLimitSnapshot snapshot) {
                if (actual == Cost.ZERO && snapshot == null) {
                    return; // a release: forgotten
                }
                super.settle(reservation, actual, snapshot);
            }
        });
        assertThatThrownBy(() -> {
            for (long seed = 1; seed <= SEEDS; seed++) {
                QuotaPropertiesTest.checkSettleAndReleaseNeverLoseOrCreateCapacity(forgetful, seed);
            }
        }).isInstanceOf(AssertionError.class);
    }

    @Test
    void aStoreThatReservesOnlyRequestsFailsTheWindowBound() {
        Function<VirtualTime, QuotaStore> partial = broken(state -> new Delegating(state) {
            @Override
            public ReserveResult reserve(Cost cost, long callId, int attempt) {
                return super.reserve(Cost.of(Dimension.REQUESTS, cost.get(Dimension.REQUESTS)), callId, attempt);
            }
        });
        assertThatThrownBy(() -> {
            for (long seed = 1; seed <= SEEDS; seed++) {
                QuotaPropertiesTest.checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(partial, seed, 200);
            }
        }).isInstanceOf(AssertionError.class);
    }

    private static void runAll(Function<VirtualTime, QuotaStore> stores) {
        for (long seed = 1; seed <= SEEDS; seed++) {
            QuotaPropertiesTest.checkSettleAndReleaseNeverLoseOrCreateCapacity(stores, seed);
            QuotaPropertiesTest.checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(stores, seed, 200);
            QuotaPropertiesTest.checkDeadlineFailuresAreImmediate(stores, seed);
            QuotaPropertiesTest.checkAdmissionIsFifoWithinAClass(stores, seed);
        }
    }

    /** The in-memory store with each state wrapped by {@code breaker}. */
    private static Function<VirtualTime, QuotaStore> broken(UnaryOperator<QuotaState> breaker) {
        return time -> {
            QuotaStore inner = QuotaStore.inMemory(time);
            return (key, model, listener) -> breaker.apply(inner.open(key, model, listener));
        };
    }

    /** Passes every operation through. */
    private static class Delegating implements QuotaState {
        private final QuotaState inner;

        Delegating(QuotaState inner) {
            this.inner = inner;
        }

        @Override
        public ReserveResult reserve(Cost cost, long callId, int attempt) {
            return inner.reserve(cost, callId, attempt);
        }

        @Override
        public Refusal estimate(Cost cost, Cost ahead) {
            return inner.estimate(cost, ahead);
        }

        @Override
        public void sent(Reservation reservation) {
            inner.sent(reservation);
        }

        @Override
        public void settle(Reservation reservation, Cost actual, RateLimitSnapshot snapshot) {
            inner.settle(reservation, actual, snapshot);
        }

        @Override
        public void calibrate(RateLimitSnapshot snapshot, Reservation source) {
            inner.calibrate(snapshot, source);
        }

        @Override
        public void pause(Dimension dimension, Instant until, long callId, int attempt) {
            inner.pause(dimension, until, callId, attempt);
        }

        @Override
        public void setLimit(Dimension dimension, Limit limit) {
            inner.setLimit(dimension, limit);
        }

        @Override
        public void rateLimited(long callId, int attempt) {
            inner.rateLimited(callId, attempt);
        }

        @Override
        public void waiting(int calls) {
            inner.waiting(calls);
        }

        @Override
        public boolean limitsKnown() {
            return inner.limitsKnown();
        }

        @Override
        public double share() {
            return inner.share();
        }

        @Override
        public View view() {
            return inner.view();
        }
    }
}
