package dev.pacer.outcome;

/** What kind of thing happened to one attempt, in provider-neutral terms. */
public enum OutcomeFamily {
    /** The provider answered the request. */
    SUCCESS,
    /** 429: the account's quota is used up for now; wait for the bucket, not for a backoff. */
    RATE_LIMITED,
    /** 529 (Anthropic) or an equivalent: the provider is short of capacity. */
    OVERLOADED,
    /** 500, 502, 503, 504 and the like. */
    SERVER_ERROR,
    /** The attempt took too long (client-side or 408). */
    TIMEOUT,
    /** The connection failed or was reset before a complete answer. */
    CONNECTION_FAILURE,
    /** 400, 404, 413, 422: the request itself is wrong; retrying cannot help. */
    REQUEST_ERROR,
    /** 401, 403: the credentials are wrong or lack permission. */
    AUTH_ERROR,
    /** The account's spend limit is reached; nothing helps until its reset. */
    SPEND_CAP;

    /** True for the families that say something about the provider's health (breaker input). */
    public boolean isProviderFailure() {
        return this == OVERLOADED || this == SERVER_ERROR || this == TIMEOUT || this == CONNECTION_FAILURE;
    }

    /** True for the families that a retry can never fix and that never trigger a fallback. */
    public boolean isCallersFault() {
        return this == REQUEST_ERROR || this == AUTH_ERROR;
    }
}
