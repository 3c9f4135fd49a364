package dev.pacer.outcome;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.util.Objects;

/**
 * How one attempt ended, classified by a provider adapter from its HTTP exchange.
 *
 * @param family       the family
 * @param status       the HTTP status, or 0 when there was none (connection failure, timeout)
 * @param errorType    the provider's error type (e.g. {@code overloaded_error}), or null
 * @param message      the provider's message or a description of the failure; never a secret
 * @param dimension    for RATE_LIMITED, the dimension the provider named, or null
 * @param hints        the provider's retry hints
 * @param snapshot     the provider's view of the quota on this response, or null
 */
public record Outcome(OutcomeFamily family, int status, String errorType, String message, Dimension dimension,
                      RetryHints hints, RateLimitSnapshot snapshot) {

    public Outcome {
        Objects.requireNonNull(family, "family");
        hints = hints == null ? RetryHints.NONE : hints;
    }

    /** A success with an optional snapshot. */
    public static Outcome success(int status, RateLimitSnapshot snapshot) {
        return new Outcome(OutcomeFamily.SUCCESS, status, null, null, null, RetryHints.NONE, snapshot);
    }

    /** A failure without HTTP details. */
    public static Outcome failure(OutcomeFamily family, String message) {
        return new Outcome(family, 0, null, message, null, RetryHints.NONE, null);
    }

    /** True for {@link OutcomeFamily#SUCCESS}. */
    public boolean isSuccess() {
        return family == OutcomeFamily.SUCCESS;
    }

    /** A short description for messages and events, e.g. {@code "529 overloaded_error: Overloaded"}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (status > 0) {
            sb.append(status).append(' ');
        }
        sb.append(errorType != null ? errorType : family.name().toLowerCase(java.util.Locale.ROOT));
        if (message != null && !message.isBlank()) {
            sb.append(": ").append(message);
        }
        return sb.toString();
    }
}
