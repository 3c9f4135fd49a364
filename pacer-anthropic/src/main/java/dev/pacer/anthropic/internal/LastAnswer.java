package dev.pacer.anthropic.internal;

import dev.pacer.outcome.Outcome;

/**
 * The last failure of a call that a caller may want back when every attempt failed: an answer
 * (read whole, with how it was classified) or the exception of a transport failure, whichever came
 * last. A client that hands its caller the provider's own answer (the SDK adapter, so the SDK raises
 * its usual exception; an endpoint call, which returns status and body) keeps one per call.
 * Thread-safe: attempts of one call run one after another, but on different threads.
 *
 * @param <R> the client's answer type
 */
public final class LastAnswer<R> {

    private R answer;
    private Outcome outcome;
    private Throwable transportFailure;

    /** An attempt got {@code answer}, classified as {@code outcome}. */
    public synchronized void answered(R answer, Outcome outcome) {
        this.answer = answer;
        this.outcome = outcome;
        this.transportFailure = null;
    }

    /** An attempt got no (whole) answer: {@code error} is what the caller would have seen. */
    public synchronized void failedInTransit(Throwable error) {
        this.answer = null;
        this.outcome = null;
        this.transportFailure = error;
    }

    /** The last failed answer, or null when the last failure was a transport failure (or there was none). */
    public synchronized R answer() {
        return answer;
    }

    /** How {@link #answer()} was classified, or null. */
    public synchronized Outcome outcome() {
        return outcome;
    }

    /** The exception of the last failure when it was a transport failure, or null. */
    public synchronized Throwable transportFailure() {
        return transportFailure;
    }
}
