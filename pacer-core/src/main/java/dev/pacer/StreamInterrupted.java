package dev.pacer;

import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import java.util.Objects;

/**
 * How a provider ends the completion of a committed stream ({@link AttemptResult#streaming}) that
 * broke off after its first event: for example an {@code overloaded_error} event in the middle of
 * an Anthropic stream. The stream already belongs to the caller, so it is not retried; but the
 * engine settles on {@code usage}, and the breaker and the adaptive concurrency limit hear
 * {@code outcome} as they would have heard it before the stream began.
 */
public final class StreamInterrupted extends RuntimeException {

    private final transient Outcome outcome;
    private final transient Cost usage;

    /**
     * @param outcome how the stream ended (its family decides what the breaker hears)
     * @param usage   what the stream cost up to where it ended; null to settle on the estimate
     */
    public StreamInterrupted(Outcome outcome, Cost usage) {
        super("The stream broke off: " + Objects.requireNonNull(outcome, "outcome").describe(), null, false, false);
        this.outcome = outcome;
        this.usage = usage;
    }

    /** How the stream ended. */
    public Outcome outcome() {
        return outcome;
    }

    /** What it cost up to where it ended, or null when unknown. */
    public Cost usage() {
        return usage;
    }
}
