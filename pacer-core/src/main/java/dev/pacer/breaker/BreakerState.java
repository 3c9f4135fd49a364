package dev.pacer.breaker;

/** The states of a target's circuit breaker. */
public enum BreakerState {
    /** Calls flow; outcomes are counted. */
    CLOSED,
    /** Calls are refused until the open period ends. */
    OPEN,
    /** A limited number of probe calls test whether the target recovered. */
    HALF_OPEN
}
