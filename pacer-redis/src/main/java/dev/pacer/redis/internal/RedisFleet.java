package dev.pacer.redis.internal;

import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.time.ScheduledTask;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one store instance holds: its connection, its breaker, the quotas it opened, the heartbeat
 * that tells the fleet it uses them.
 */
public final class RedisFleet implements AutoCloseable {

    private final RedisLink link;
    private final RedisStoreOptions options;
    private final Availability availability;
    private final String instanceId = UUID.randomUUID().toString();
    private final List<RedisQuotaState> states = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile ScheduledTask beat;

    public RedisFleet(RedisLink link, RedisStoreOptions options) {
        this.link = link;
        this.options = options;
        this.availability = new Availability(link, options.unavailableMode(), options.scheduler(), options.clock(),
                options.heartbeatInterval());
        scheduleBeat();
    }

    public QuotaState open(QuotaKey key, QuotaModel model, QuotaListener listener) {
        RedisQuotaState state = new RedisQuotaState(key, model, listener, link, availability, options, link.events(), instanceId);
        states.add(state);
        availability.join(state);
        state.heartbeat();
        return state;
    }

    public RedisLink link() {
        return link;
    }

    public boolean degraded() {
        return !availability.up();
    }

    public long outages() {
        return availability.outages();
    }

    public String instanceId() {
        return instanceId;
    }

    private void scheduleBeat() {
        if (!closed) {
            beat = options.scheduler().schedule(this::beat, options.heartbeatInterval());
        }
    }

    private void beat() {
        if (closed) {
            return;
        }
        try {
            if (availability.up()) {
                for (RedisQuotaState s : states) {
                    s.heartbeat();
                }
            }
        } catch (RuntimeException e) {
            availability.failed(e); // never let an exception reach the shared scheduler's thread
        }
        scheduleBeat();
    }

    @Override
    public void close() {
        closed = true;
        ScheduledTask b = beat;
        if (b != null) {
            b.cancel();
        }
        availability.close();
        for (RedisQuotaState s : states) {
            availability.leave(s);
        }
    }
}
