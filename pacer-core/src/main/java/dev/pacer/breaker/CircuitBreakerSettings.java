package dev.pacer.breaker;

import java.time.Duration;

/**
 * When a target's circuit breaker opens and how it recovers.
 *
 * @param consecutiveFailures opens after this many provider failures in a row (2 to 1000)
 * @param failureRate         or when the share of failures among the last {@code windowSize} calls reaches this (0.05 to 1)
 * @param windowSize          calls in the sliding window (2 to 10,000)
 * @param minimumCalls        the rate rule applies only once the window holds this many calls
 * @param openDuration        how long it stays open the first time
 * @param maxOpenDuration     the longest open period; each reopening without a close doubles it up to this
 * @param halfOpenProbes      how many probe calls half-open lets through at once (1 to 100)
 */
public record CircuitBreakerSettings(int consecutiveFailures, double failureRate, int windowSize, int minimumCalls,
                                     Duration openDuration, Duration maxOpenDuration, int halfOpenProbes) {

    public CircuitBreakerSettings {
        if (consecutiveFailures < 2 || consecutiveFailures > 1000) {
            throw new IllegalArgumentException("Breaker consecutiveFailures must be between 2 and 1000, not " + consecutiveFailures + ".");
        }
        if (!(failureRate >= 0.05 && failureRate <= 1)) {
            throw new IllegalArgumentException("Breaker failureRate must be between 0.05 and 1, not " + failureRate + ".");
        }
        if (windowSize < 2 || windowSize > 10_000) {
            throw new IllegalArgumentException("Breaker windowSize must be between 2 and 10000, not " + windowSize + ".");
        }
        if (minimumCalls < 1 || minimumCalls > windowSize) {
            throw new IllegalArgumentException("Breaker minimumCalls must be between 1 and windowSize (" + windowSize + "), not " + minimumCalls + ".");
        }
        if (openDuration.isNegative() || openDuration.isZero() || maxOpenDuration.compareTo(openDuration) < 0) {
            throw new IllegalArgumentException("Breaker openDuration must be positive and at most maxOpenDuration, not " + openDuration + " / " + maxOpenDuration + ".");
        }
        if (halfOpenProbes < 1 || halfOpenProbes > 100) {
            throw new IllegalArgumentException("Breaker halfOpenProbes must be between 1 and 100, not " + halfOpenProbes + ".");
        }
    }

    /** 5 in a row, or 50% of the last 20 (at least 10 calls); open 5 s growing to 60 s; 2 probes. */
    public static CircuitBreakerSettings defaults() {
        return new CircuitBreakerSettings(5, 0.5, 20, 10, Duration.ofSeconds(5), Duration.ofSeconds(60), 2);
    }

    /** These settings with another open duration range. */
    public CircuitBreakerSettings withOpenDuration(Duration first, Duration max) {
        return new CircuitBreakerSettings(consecutiveFailures, failureRate, windowSize, minimumCalls, first, max, halfOpenProbes);
    }

    /** These settings with another consecutive-failure threshold. */
    public CircuitBreakerSettings withConsecutiveFailures(int n) {
        return new CircuitBreakerSettings(n, failureRate, windowSize, minimumCalls, openDuration, maxOpenDuration, halfOpenProbes);
    }
}
