package dev.pacer.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.breaker.BreakerState;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.route.Target;
import dev.pacer.spi.QuotaModel;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Regressions reported while the Anthropic pipeline was built on the new seams. */
class WiderCostsAndTargetIdentityTest {

    @Test
    void aCallThatQueuesWithMoreDimensionsThanTheKeyKnowsWaitsInsteadOfCrashing() {
        // QuotaBucket.waitFor indexed its queued sums past the bucket's width: ArrayIndexOutOfBoundsException.
        VirtualTime time = new VirtualTime();
        Quotas quotas = Quotas.builder().time(time).build();
        QuotaKey key = QuotaKey.of("fresh");
        quotas.pause(key, null, time.instant().plusSeconds(5));
        Dimension combined = Dimension.of("tokens");
        Cost wide = Cost.builder().add(Dimension.REQUESTS, 1).add(Dimension.INPUT_TOKENS, 10)
                .add(Dimension.OUTPUT_TOKENS, 10).add(combined, 20).build();
        CompletableFuture<Permit> waiting = quotas.acquire(key, wide, Priority.NORMAL, null);
        assertThat(waiting).isNotDone();
        time.advance(Duration.ofSeconds(6));
        assertThat(waiting).isCompleted();
    }

    @Test
    void aTargetIsTheSameTargetWhateverQuotaModelItCarries() {
        QuotaKey key = QuotaKey.of("k");
        QuotaModel other = new QuotaModel() {
            @Override
            public dev.pacer.quota.Limit limitOf(Dimension dimension, long reported) {
                return dev.pacer.quota.Limit.perMinute(reported);
            }

            @Override
            public boolean countedAsGenerated(Dimension dimension) {
                return false;
            }

            @Override
            public Cost chargedFor(dev.pacer.outcome.Outcome outcome, Cost reserved) {
                return Cost.ZERO;
            }
        };
        assertThat(Target.of("p", "m", key, other)).isEqualTo(Target.of("p", "m", key))
                .hasSameHashCodeAs(Target.of("p", "m", key));
        Pacer pacer = Pacer.builder().build();
        assertThat(pacer.breakerState(Target.of("p", "m", key, other))).isEqualTo(BreakerState.CLOSED);
    }
}
