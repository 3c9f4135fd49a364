package dev.pacer.redis;

/**
 * What an instance does while Redis does not answer (the store's breaker on Redis is open). In every
 * mode the store warns once per outage, reports {@link RedisQuotaStore#degraded()}, probes Redis and
 * returns to the shared state on its own when Redis answers again, charging what it admitted alone
 * meanwhile so that the return makes no burst.
 */
public enum RedisUnavailableMode {

    /**
     * Each instance admits its share of the quota on its own: the limits divided by the fleet size
     * last read from the heartbeats kept in Redis, starting from its share of the last level it read.
     * The default.
     */
    LOCAL_SHARE,

    /** Admits every call without limit until Redis answers (the provider's 429s are then the only brake). */
    FAIL_OPEN,

    /** Admits nothing until Redis answers: calls wait in line and fail only by their deadlines. */
    FAIL_CLOSED
}
