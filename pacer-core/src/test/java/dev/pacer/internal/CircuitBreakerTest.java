package dev.pacer.internal;

import dev.pacer.breaker.BreakerState;
import dev.pacer.breaker.CircuitBreakerSettings;

import static dev.pacer.internal.CircuitBreaker.Permission.ALLOWED;
import static dev.pacer.internal.CircuitBreaker.Permission.PROBE;
import static dev.pacer.internal.CircuitBreaker.Permission.REFUSED;
import static dev.pacer.outcome.OutcomeFamily.OVERLOADED;
import static dev.pacer.outcome.OutcomeFamily.RATE_LIMITED;
import static dev.pacer.outcome.OutcomeFamily.REQUEST_ERROR;
import static dev.pacer.outcome.OutcomeFamily.SERVER_ERROR;
import static dev.pacer.outcome.OutcomeFamily.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final VirtualTime time = new VirtualTime();
    private final List<String> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = new CircuitBreaker(
            new CircuitBreakerSettings(3, 0.5, 10, 6, Duration.ofSeconds(5), Duration.ofSeconds(20), 2), time,
            (from, to, callId, attempt) -> transitions.add(from + "->" + to));

    private void fail(int n) {
        for (int i = 0; i < n; i++) {
            assertThat(breaker.tryAcquire()).isEqualTo(ALLOWED);
            breaker.onOutcome(OVERLOADED, false);
        }
    }

    @Test
    void opensOnConsecutiveProviderFailures() {
        fail(2);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        fail(1);
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }

    @Test
    void opensOnTheFailureRateOverTheWindowOnceItHoldsTheMinimumCalls() {
        for (int i = 0; i < 6; i++) {
            breaker.tryAcquire();
            breaker.onOutcome(i % 2 == 0 ? SERVER_ERROR : SUCCESS, false);
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void rateLimitsAndRequestErrorsAreNotTheTargetsFault() {
        for (int i = 0; i < 50; i++) {
            breaker.tryAcquire();
            breaker.onOutcome(i % 2 == 0 ? RATE_LIMITED : REQUEST_ERROR, false);
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void halfOpenLetsALimitedNumberOfProbesAndClosesWhenTheySucceed() {
        fail(3);
        time.advance(Duration.ofSeconds(5));
        assertThat(breaker.tryAcquire()).isEqualTo(PROBE);
        assertThat(breaker.tryAcquire()).isEqualTo(PROBE);
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
        breaker.onOutcome(SUCCESS, true);
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        breaker.onOutcome(SUCCESS, true);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void aFailedProbeReopensForLongerUpToTheCap() {
        fail(3);
        for (int expected : new int[] {10, 20, 20}) {
            time.advance(breaker.remainingOpen());
            assertThat(breaker.tryAcquire()).isEqualTo(PROBE);
            breaker.onOutcome(OVERLOADED, true);
            assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
            assertThat(breaker.remainingOpen()).isEqualTo(Duration.ofSeconds(expected));
        }
        time.advance(Duration.ofSeconds(20));
        assertThat(breaker.tryAcquire()).isEqualTo(PROBE);
        breaker.onOutcome(SUCCESS, true);
        // The only probe out came back well: no need to wait for a second one.
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        fail(3);
        assertThat(breaker.remainingOpen()).as("a close resets the open period").isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aCancelledProbeGivesItsSlotBack() {
        fail(3);
        time.advance(Duration.ofSeconds(5));
        breaker.tryAcquire();
        breaker.tryAcquire();
        breaker.cancelProbe();
        assertThat(breaker.tryAcquire()).isEqualTo(PROBE);
    }

    @Test
    void settingsAreValidatedWithTheNameAndRange() {
        assertThatThrownBy(() -> new CircuitBreakerSettings(1, 0.5, 10, 5, Duration.ofSeconds(1), Duration.ofSeconds(2), 1))
                .hasMessageContaining("consecutiveFailures must be between 2 and 1000");
        assertThatThrownBy(() -> new CircuitBreakerSettings(5, 0.5, 10, 50, Duration.ofSeconds(1), Duration.ofSeconds(2), 1))
                .hasMessageContaining("minimumCalls");
    }
}
