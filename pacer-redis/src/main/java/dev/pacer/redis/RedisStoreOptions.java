package dev.pacer.redis;

import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RedisQuotaStore}; {@link #builder()} validates each when set.
 *
 * @param namespace          prefix of every Redis key (keys of one quota are {@code <namespace>:{<quota key>}:...})
 * @param unavailableMode    what to do while Redis does not answer
 * @param commandTimeout     how long an operation waits for Redis before the breaker opens
 * @param reservationTimeout a reservation its holder never settles (a crashed instance) ends after this long
 * @param heartbeatInterval  how often an instance tells the fleet it uses a quota (and probes Redis when down)
 * @param heldRetry          when only settlements elsewhere in the fleet can make room, how soon to look again
 * @param learnedBurstRatio  the burst of learned limits, as a share of the per-period amount
 * @param cluster            whether the URI names a Redis Cluster node
 * @param clock              the engine's clock (converts pause instants; see {@code clientTime})
 * @param clientTime         take "now" from {@code clock} instead of the Redis server's {@code TIME}: for
 *                           tests on virtual time only, since a fleet's clocks differ
 * @param scheduler          runs the heartbeat and the probe
 */
public record RedisStoreOptions(String namespace, RedisUnavailableMode unavailableMode, Duration commandTimeout,
                                Duration reservationTimeout, Duration heartbeatInterval, Duration heldRetry,
                                double learnedBurstRatio, boolean cluster, PacerClock clock, boolean clientTime,
                                PacerScheduler scheduler) {

    /** The defaults: namespace {@code pacer}, {@code LOCAL_SHARE}, 500 ms timeout, 30 min reservations, 5 s heartbeat. */
    public static RedisStoreOptions defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link RedisStoreOptions}. */
    public static final class Builder {
        private String namespace = "pacer";
        private RedisUnavailableMode unavailableMode = RedisUnavailableMode.LOCAL_SHARE;
        private Duration commandTimeout = Duration.ofMillis(500);
        private Duration reservationTimeout = Duration.ofMinutes(30);
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private Duration heldRetry = Duration.ofMillis(50);
        private double learnedBurstRatio = 1.0;
        private boolean cluster;
        private PacerClock clock = PacerClock.system();
        private boolean clientTime;
        private PacerScheduler scheduler = PacerScheduler.system();

        private Builder() {
        }

        /** Prefix of every key: letters, digits, '-', '_', '.', ':' (default {@code pacer}). */
        public Builder namespace(String namespace) {
            if (namespace == null || !namespace.matches("[A-Za-z0-9_.:-]{1,64}")) {
                throw new IllegalArgumentException("Redis namespace '" + namespace
                        + "' is invalid: use 1 to 64 letters, digits, '-', '_', '.' or ':'.");
            }
            this.namespace = namespace;
            return this;
        }

        /** What to do while Redis does not answer (default {@code LOCAL_SHARE}). */
        public Builder unavailableMode(RedisUnavailableMode mode) {
            this.unavailableMode = Objects.requireNonNull(mode, "unavailableMode");
            return this;
        }

        /** How long an operation waits for Redis (default 500 ms; 10 ms to 1 min). */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = within("commandTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(1));
            return this;
        }

        /** When an unsettled reservation ends on its own (default 30 min; 1 s to 1 day). */
        public Builder reservationTimeout(Duration timeout) {
            this.reservationTimeout = within("reservationTimeout", timeout, Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /** How often an instance tells the fleet it is there (default 5 s; 100 ms to 1 min). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = within("heartbeatInterval", interval, Duration.ofMillis(100), Duration.ofMinutes(1));
            return this;
        }

        /** How soon to look again when only settlements elsewhere can make room (default 50 ms; 1 ms to 10 s). */
        public Builder heldRetry(Duration retry) {
            this.heldRetry = within("heldRetry", retry, Duration.ofMillis(1), Duration.ofSeconds(10));
            return this;
        }

        /** The burst of learned limits as a share of their per-period amount, in (0, 1] (default 1). */
        public Builder learnedBurstRatio(double ratio) {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("learnedBurstRatio must be in (0, 1], not " + ratio + ".");
            }
            this.learnedBurstRatio = ratio;
            return this;
        }

        /** Whether the URI names a node of a Redis Cluster (default false). */
        public Builder cluster(boolean cluster) {
            this.cluster = cluster;
            return this;
        }

        /** The engine's clock (default the system clock); give the same one to {@code Quotas}. */
        public Builder clock(PacerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Takes "now" from the clock instead of Redis' {@code TIME}: for tests on virtual time, never for a fleet. */
        public Builder clientTime(boolean clientTime) {
            this.clientTime = clientTime;
            return this;
        }

        /** Runs the heartbeat and the probe (default the shared system scheduler). */
        public Builder scheduler(PacerScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Both, from one object (e.g. {@code VirtualTime}). */
        public <T extends PacerClock & PacerScheduler> Builder time(T time) {
            return clock(time).scheduler(time);
        }

        /** The options. */
        public RedisStoreOptions build() {
            return new RedisStoreOptions(namespace, unavailableMode, commandTimeout, reservationTimeout, heartbeatInterval,
                    heldRetry, learnedBurstRatio, cluster, clock, clientTime, scheduler);
        }

        private static Duration within(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value + ".");
            }
            return value;
        }
    }
}
