package dev.pacer.route;

/** Why a call moved past a target of its route. */
public enum SkipReason {
    /** The target's circuit breaker was open. */
    BREAKER_OPEN,
    /** Waiting for the target's quota would have passed the call's deadline. */
    QUOTA_WAIT,
    /** The call costs more than the target's quota can ever hold. */
    CAPACITY,
    /** The target stayed overloaded (or failing) through its attempts. */
    RETRIES_EXHAUSTED,
    /** The retry budget refused another attempt on the target. */
    BUDGET_EXHAUSTED,
    /** The provider asked for a longer wait than the policy allows on one target. */
    SERVER_DELAY_TOO_LONG,
    /** The next retry on the target would have passed the call's deadline. */
    DEADLINE,
    /** The account behind the target reached its spend cap. */
    SPEND_CAP,
    /** The target's provider cannot serve this request faithfully (say a feature it lacks), so it was not tried. */
    UNSUPPORTED
}
