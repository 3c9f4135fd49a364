package dev.pacer.concurrency;

/** What a finished call tells an adaptive concurrency limit. */
public enum ConcurrencySignal {
    /** The provider served the call: the limit may grow. */
    SUCCESS,
    /** The provider was overloaded or the call timed out: the limit is cut. */
    DROPPED,
    /** Says nothing about the provider's capacity (a request error, a rate limit). */
    IGNORE
}
