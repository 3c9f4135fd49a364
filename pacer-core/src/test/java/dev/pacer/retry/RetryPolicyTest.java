package dev.pacer.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static Outcome outcome(OutcomeFamily family, RetryHints hints) {
        return new Outcome(family, 529, null, null, null, hints, null);
    }

    @Test
    void fullJitterStaysUnderTheCappedExponentialCeiling() {
        Random random = new Random(1);
        RetryPolicy policy = RetryPolicy.builder().baseDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(8))
                .random(random::nextDouble).build();
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = Math.min(8_000, 500L << (attempt - 1));
            double sum = 0;
            for (int i = 0; i < 2_000; i++) {
                long ms = policy.backoff(attempt, null).toMillis();
                assertThat(ms).isBetween(0L, ceiling);
                sum += ms;
            }
            assertThat(sum / 2_000).isCloseTo(ceiling / 2.0, org.assertj.core.data.Percentage.withPercentage(8));
        }
    }

    @Test
    void decorrelatedJitterGrowsFromThePreviousDelayWithinTheCap() {
        Random random = new Random(2);
        RetryPolicy policy = RetryPolicy.builder().jitter(Jitter.DECORRELATED).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofSeconds(5)).random(random::nextDouble).build();
        Duration previous = Duration.ZERO;
        for (int i = 0; i < 1_000; i++) {
            Duration next = policy.backoff(i + 1, previous);
            long upper = Math.max(100, (previous.isZero() ? 100 : previous.toMillis()) * 3);
            assertThat(next.toMillis()).isBetween(100L, Math.min(5_000, upper));
            previous = next;
        }
    }

    @Test
    void aServerDelayWinsAndATooLongOneIsRefused() {
        RetryPolicy policy = RetryPolicy.builder().maxServerDelay(Duration.ofSeconds(30)).build();
        assertThat(policy.delay(outcome(OutcomeFamily.OVERLOADED, RetryHints.retryAfter(Duration.ofSeconds(12))), 1, null))
                .isEqualTo(Duration.ofSeconds(12));
        assertThat(policy.delay(outcome(OutcomeFamily.OVERLOADED, RetryHints.retryAfter(Duration.ofSeconds(31))), 1, null)).isNull();
    }

    @Test
    void whatIsRetried() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).build();
        assertThat(policy.shouldRetry(outcome(OutcomeFamily.OVERLOADED, RetryHints.NONE), 1)).isTrue();
        assertThat(policy.shouldRetry(outcome(OutcomeFamily.OVERLOADED, RetryHints.NONE), 3)).isFalse();
        assertThat(policy.shouldRetry(outcome(OutcomeFamily.OVERLOADED, new RetryHints(null, false, null)), 1)).isFalse();
        assertThat(policy.shouldRetry(outcome(OutcomeFamily.REQUEST_ERROR, new RetryHints(null, true, null)), 1)).isFalse();
        assertThat(policy.shouldRetry(outcome(OutcomeFamily.SPEND_CAP, RetryHints.NONE), 1)).isFalse();
        RetryPolicy only529 = RetryPolicy.builder().retryOn(EnumSet.of(OutcomeFamily.OVERLOADED)).build();
        assertThat(only529.shouldRetry(outcome(OutcomeFamily.SERVER_ERROR, RetryHints.NONE), 1)).isFalse();
        assertThat(only529.shouldRetry(outcome(OutcomeFamily.SERVER_ERROR, new RetryHints(null, true, null)), 1)).isTrue();
    }

    @Test
    void settingsAreValidatedEagerlyNamingTheSettingAndRange() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessage("maxAttempts must be between 1 and 100, not 0.");
        assertThatThrownBy(() -> RetryPolicy.builder().retryOn(EnumSet.of(OutcomeFamily.AUTH_ERROR)))
                .hasMessageContaining("retryOn cannot include AUTH_ERROR");
        assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofSeconds(40)).maxDelay(Duration.ofSeconds(10)).build())
                .hasMessageContaining("must not exceed maxDelay");
    }
}
