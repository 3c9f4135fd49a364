package dev.pacer.redis;

import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.redis.internal.RedisFleet;
import dev.pacer.redis.internal.RedisLink;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.QuotaStore;

/**
 * A {@link QuotaStore} on Redis: the state of each quota (levels, limits, reservations in flight,
 * pauses, the last snapshot applied) lives in Redis, shared by every instance of a fleet, and each
 * operation is one atomic Lua script call. Keys of one quota share a hash tag, so the scripts run on
 * Redis Cluster. While Redis does not answer, quotas run in the configured
 * {@link RedisUnavailableMode} and return on their own.
 *
 * <pre>{@code
 * RedisQuotaStore store = RedisQuotaStore.connect("redis://localhost:6379");
 * Quotas quotas = Quotas.builder().store(store).build();
 * }</pre>
 *
 * Close the store when done (it owns its connection).
 */
public final class RedisQuotaStore implements QuotaStore, AutoCloseable {

    private final RedisFleet fleet;
    private final boolean ownsLink;

    private RedisQuotaStore(RedisFleet fleet, boolean ownsLink) {
        this.fleet = fleet;
        this.ownsLink = ownsLink;
    }

    /** Connects with the defaults ({@link RedisStoreOptions#defaults()}). */
    public static RedisQuotaStore connect(String uri) {
        return connect(uri, RedisStoreOptions.defaults());
    }

    /**
     * Connects to {@code uri}: {@code redis://[:PASSWORD@]HOST[:PORT][/DATABASE]}, or {@code rediss://}
     * for TLS.
     *
     * @throws IllegalArgumentException when the URI is invalid (one sentence; the password never shown)
     * @throws IllegalStateException    when Redis cannot be reached
     */
    public static RedisQuotaStore connect(String uri, RedisStoreOptions options) {
        RedisLink link = RedisLink.connect(uri, options.cluster(), options.commandTimeout());
        return new RedisQuotaStore(new RedisFleet(link, options), true);
    }

    /**
     * Checks {@code uri} without connecting.
     *
     * @throws IllegalArgumentException one sentence naming the problem, never showing the password
     */
    public static void checkUri(String uri) {
        dev.pacer.redis.internal.RedisUris.parse(uri);
    }

    /** {@code uri} with its password replaced by {@code ***}, for messages. */
    public static String redacted(String uri) {
        return dev.pacer.redis.internal.RedisUris.redact(uri);
    }

    /**
     * Another store on this one's connection, with other options (a namespace, a clock): for tests
     * and benchmarks that need many independent stores without a connection each. Closing it leaves
     * the connection open.
     */
    public RedisQuotaStore sharing(RedisStoreOptions options) {
        return new RedisQuotaStore(new RedisFleet(fleet.link(), options), false);
    }

    @Override
    public QuotaState open(QuotaKey key, QuotaModel model, QuotaListener listener) {
        return fleet.open(key, model, listener);
    }

    /** Whether Redis is not answering now, so quotas run in the {@link RedisUnavailableMode}. */
    public boolean degraded() {
        return fleet.degraded();
    }

    /** How many times Redis stopped answering since the store was connected. */
    public long outages() {
        return fleet.outages();
    }

    /** Script calls sent to Redis so far on this store's connection (one per operation; a reload after NOSCRIPT adds one). */
    public long commandsSent() {
        return fleet.link().sent();
    }

    /** This instance's id in the fleet's heartbeats. */
    public String instanceId() {
        return fleet.instanceId();
    }

    @Override
    public void close() {
        fleet.close();
        if (ownsLink) {
            fleet.link().close();
        }
    }

    @Override
    public String toString() {
        return "RedisQuotaStore[" + fleet.link().printable() + "]";
    }
}
