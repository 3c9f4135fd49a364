package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimSettings;
import org.junit.jupiter.api.Test;

class AccelerationLimiterTest {

    /** The defaults: factor 4, a 10 s window, a 60 s baseline, a floor of 25% of the RPM limit. */
    private static final SimSettings.Acceleration DEFAULTS = new SimSettings.Acceleration(true, 4, 10, 60, 0.25, false);

    @Test
    void theFirstRequestIsNeverASharpRampEvenAtAFewRequestsPerMinute() {
        // Below 6 RPM the floor allows 4 × 25% × rpm / 60 × 10 s < 1 request per window: one request used to be "sharp".
        for (long rpm = 1; rpm <= 6; rpm++) {
            AccelerationLimiter limiter = new AccelerationLimiter();
            assertThat(limiter.sharpRamp("pool", 1_000.5, DEFAULTS, rpm)).as("rpm " + rpm).isFalse();
        }
    }

    @Test
    void aRequestAfterAQuietWindowIsNoRampButOneOnTopOfTheFirstStillIs() {
        AccelerationLimiter limiter = new AccelerationLimiter();
        limiter.admitted("pool", 100);
        assertThat(limiter.sharpRamp("pool", 101, DEFAULTS, 1)).as("2 in 10 s after nothing, at 1 RPM").isTrue();
        assertThat(limiter.sharpRamp("pool", 111, DEFAULTS, 1)).as("the first request has left the window").isFalse();
        assertThat(limiter.sharpRamp("other", 101, DEFAULTS, 1)).as("pools are apart").isFalse();
    }

    @Test
    void aJumpFromABaselineIsStillARamp() {
        AccelerationLimiter limiter = new AccelerationLimiter();
        // At 60 RPM: 60 s at one request per second, then 60 in 10 s, 6 per second against 4 × a baseline of 1.
        for (int s = 0; s < 60; s++) {
            limiter.admitted("pool", s);
        }
        for (int i = 0; i < 60; i++) {
            limiter.admitted("pool", 60 + i / 6.0);
        }
        assertThat(limiter.sharpRamp("pool", 69.9, DEFAULTS, 60)).isTrue();
    }
}
