package dev.pacer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.time.VirtualTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    @Test
    void theBudgetAllowsAShareOfFirstAttemptsPlusAFloorAndForgetsOldOnes() {
        VirtualTime time = new VirtualTime();
        RetryBudget budget = RetryBudget.of(time, 0.2, 0, Duration.ofSeconds(10));
        for (int i = 0; i < 100; i++) {
            budget.recordFirstAttempt();
        }
        int allowed = 0;
        while (budget.tryRetry()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(20);
        time.advance(Duration.ofSeconds(11));
        assertThat(budget.tryRetry()).isFalse();
        RetryBudget floor = RetryBudget.of(time, 0.2, 2, Duration.ofSeconds(10));
        int fromFloor = 0;
        while (floor.tryRetry()) {
            fromFloor++;
        }
        assertThat(fromFloor).isEqualTo(20);
    }
}
