package dev.pacer.outcome;

import java.time.Duration;
import java.time.Instant;

/**
 * What the provider said about retrying.
 *
 * @param retryAfter  the server's delay ({@code retry-after-ms} or {@code retry-after}), or null
 * @param shouldRetry {@code x-should-retry}: TRUE, FALSE, or null when absent
 * @param resumeAt    when a spend cap lifts, or null
 */
public record RetryHints(Duration retryAfter, Boolean shouldRetry, Instant resumeAt) {

    /** No hints. */
    public static final RetryHints NONE = new RetryHints(null, null, null);

    public RetryHints {
        if (retryAfter != null && retryAfter.isNegative()) {
            retryAfter = null;
        }
    }

    /** Only a server delay. */
    public static RetryHints retryAfter(Duration delay) {
        return new RetryHints(delay, null, null);
    }
}
