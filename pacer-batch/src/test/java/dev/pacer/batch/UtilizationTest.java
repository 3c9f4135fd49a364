package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UtilizationTest {

    private static final Map<Dimension, Limit> TIER_1_SONNET = Map.of(Dimension.REQUESTS, Limit.perMinute(50),
            Dimension.INPUT_TOKENS, Limit.perMinute(30_000), Dimension.OUTPUT_TOKENS, Limit.perMinute(8_000));

    @Test
    void theBindingDimensionDecides() {
        // 24,000 output tokens: 8,000 in the first bucketful, then 16,000 at 8,000 a minute = 2 minutes.
        Utilization u = Utilization.of("sonnet-4", TIER_1_SONNET, 60, 10_000, 24_000, Duration.ofMinutes(4));
        assertThat(u.pool()).isEqualTo("sonnet-4");
        assertThat(u.dimension()).isEqualTo("output tokens");
        assertThat(u.share()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void moreThanThePhysicalLimitIsShownNotRoundedDown() {
        Utilization u = Utilization.of("sonnet-4", TIER_1_SONNET, 60, 10_000, 24_000, Duration.ofMinutes(1));
        assertThat(u.share()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void workThatFitsTheFirstBucketfulOrUnknownLimitsSayNothing() {
        assertThat(Utilization.of("sonnet-4", TIER_1_SONNET, 10, 1_000, 5_000, Duration.ofMinutes(1))).isNull();
        assertThat(Utilization.of("sonnet-4", Map.of(), 100, 100_000, 100_000, Duration.ofMinutes(1))).isNull();
    }
}
