package dev.pacer.redis.internal;

import dev.pacer.redis.RedisUnavailableMode;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The breaker on Redis, one per connection. Closed: every operation goes to Redis. The first failure
 * opens it (one warning per outage): operations go to each quota's {@link DegradedQuota}, and a probe
 * ({@code PING}) runs every heartbeat interval. When a probe answers, every open quota rejoins (its
 * settlements that failed are sent again, then what it admitted alone is charged to the shared
 * levels), and only then does the breaker close, so no operation sees a shared bucket that has not
 * yet been charged.
 *
 * <p>Invariants: {@code up} turns false only in {@link #failed}, true only at the end of a rejoin;
 * at most one probe is scheduled or running ({@code probing}).
 */
public final class Availability {

    /** A quota that leaves and rejoins with the breaker. */
    interface Member {
        void degrade();

        CompletableFuture<?> rejoin();
    }

    private static final System.Logger LOG = System.getLogger("dev.pacer.redis");

    private final RedisLink link;
    private final RedisUnavailableMode mode;
    private final PacerScheduler scheduler;
    private final PacerClock clock;
    private final Duration probeInterval;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final AtomicLong outages = new AtomicLong();
    private volatile boolean up = true;
    private volatile boolean closed;
    private volatile long downSinceNanos;
    private boolean probing; // guarded by this

    public Availability(RedisLink link, RedisUnavailableMode mode, PacerScheduler scheduler, PacerClock clock, Duration probeInterval) {
        this.link = link;
        this.mode = mode;
        this.scheduler = scheduler;
        this.clock = clock;
        this.probeInterval = probeInterval;
    }

    /** Whether operations go to Redis. */
    public boolean up() {
        return up;
    }

    /** How many times Redis stopped answering. */
    public long outages() {
        return outages.get();
    }

    /** The mode used while down. */
    public RedisUnavailableMode mode() {
        return mode;
    }

    void join(Member member) {
        members.add(member);
        if (!up) {
            member.degrade();
        }
    }

    void leave(Member member) {
        members.remove(member);
    }

    /** An operation on Redis failed: opens the breaker (once per outage) and starts probing. */
    public void failed(Throwable cause) {
        synchronized (this) {
            if (!up || closed) {
                return;
            }
            up = false;
            downSinceNanos = clock.nanoTime();
            outages.incrementAndGet();
        }
        for (Member m : members) {
            m.degrade();
        }
        LOG.log(Level.WARNING, "Redis at " + link.printable() + " does not answer (" + RedisLink.describe(cause)
                + "); quotas are admitted in " + mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + " mode until it answers again.");
        scheduleProbe();
    }

    private void scheduleProbe() {
        synchronized (this) {
            if (probing || up || closed) {
                return;
            }
            probing = true;
        }
        scheduler.schedule(this::probe, probeInterval);
    }

    /** The store is closed: no more warnings, probes or rejoins. */
    void close() {
        closed = true;
    }

    private void probe() {
        if (closed) {
            return;
        }
        CompletableFuture<String> pong;
        try {
            pong = link.ping();
        } catch (RuntimeException e) {
            synchronized (this) {
                probing = false;
            }
            scheduleProbe();
            return;
        }
        pong.thenCompose(answer -> {
            CompletableFuture<?>[] rejoins = members.stream().map(Member::rejoin).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(rejoins);
        }).whenComplete((ok, error) -> {
            synchronized (this) {
                probing = false;
                if (error == null) {
                    up = true;
                }
            }
            if (error == null) {
                long seconds = Duration.ofNanos(clock.nanoTime() - downSinceNanos).toSeconds();
                LOG.log(Level.INFO, "Redis at " + link.printable() + " answers again after about " + seconds
                        + " s; quotas are shared through it again.");
            } else {
                scheduleProbe();
            }
        });
    }
}
