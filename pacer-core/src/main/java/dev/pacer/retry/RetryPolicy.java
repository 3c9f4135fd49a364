package dev.pacer.retry;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When an attempt is retried on the same target, and after how long. Immutable; build with
 * {@link #builder()}.
 *
 * <p>Rules, in order: {@code x-should-retry: false} never retries; a family not in
 * {@link Builder#retryOn} never retries unless the provider says {@code x-should-retry: true}
 * (request and auth errors and spend caps are never retried); at most {@code maxAttempts} per
 * target. The delay is the server's ({@code retry-after-ms}/{@code retry-after}) when given —
 * if it is longer than {@code maxServerDelay} the call does not wait on this target (it falls
 * back, or fails saying so); otherwise capped exponential backoff with jitter. A rate-limited
 * attempt is not delayed here at all: the engine pauses the quota key until the provider's
 * reset, and the retry waits in admission with everybody else.
 */
public final class RetryPolicy {

    private final int maxAttempts;
    private final int maxRateLimitedRetries;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Duration maxServerDelay;
    private final Jitter jitter;
    private final Set<OutcomeFamily> retryOn;
    private final DoubleSupplier random;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.maxRateLimitedRetries = b.maxRateLimitedRetries;
        this.baseDelay = b.baseDelay;
        this.maxDelay = b.maxDelay;
        this.maxServerDelay = b.maxServerDelay;
        this.jitter = b.jitter;
        this.retryOn = Set.copyOf(b.retryOn);
        this.random = b.random;
    }

    /** Defaults: 4 attempts per target, 0.5 s base, 30 s cap, full jitter, server delays up to 60 s. */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** True when {@code outcome} of attempt number {@code attempt} (1-based) on a target may be retried there. */
    public boolean shouldRetry(Outcome outcome, int attempt) {
        if (outcome.isSuccess() || attempt >= maxAttempts) {
            return false;
        }
        OutcomeFamily family = outcome.family();
        if (family.isCallersFault() || family == OutcomeFamily.SPEND_CAP) {
            return false;
        }
        Boolean server = outcome.hints().shouldRetry();
        if (Boolean.FALSE.equals(server)) {
            return false;
        }
        return retryOn.contains(family) || Boolean.TRUE.equals(server);
    }

    /**
     * The delay before retry number {@code attempt} (1 for the first retry), given the previous
     * delay (for decorrelated jitter). Returns null when the server asks for more than
     * {@code maxServerDelay}: then the call should not wait on this target.
     */
    public Duration delay(Outcome outcome, int attempt, Duration previous) {
        Duration server = outcome.hints().retryAfter();
        if (server != null) {
            return server.compareTo(maxServerDelay) > 0 ? null : server;
        }
        if (outcome.family() == OutcomeFamily.RATE_LIMITED) {
            return Duration.ZERO;
        }
        return backoff(attempt, previous);
    }

    /** Capped exponential backoff with this policy's jitter. */
    public Duration backoff(int attempt, Duration previous) {
        double base = baseDelay.toNanos();
        double cap = maxDelay.toNanos();
        double nanos;
        if (jitter == Jitter.DECORRELATED) {
            double prev = previous == null || previous.isZero() ? base : previous.toNanos();
            double upper = Math.max(base, prev * 3);
            nanos = Math.min(cap, base + random.getAsDouble() * (upper - base));
        } else {
            double ceiling = Math.min(cap, base * Math.pow(2, Math.max(0, attempt - 1)));
            nanos = random.getAsDouble() * ceiling;
        }
        return Duration.ofNanos((long) nanos);
    }

    /** Attempts per target, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * How often one call may be retried after 429s. They do not count toward {@link #maxAttempts}
     * nor spend the retry budget: each waits for the key's pause and then for quota, so retrying
     * cannot add load — but a call that keeps losing the race for a shared quota gives up here.
     */
    public int maxRateLimitedRetries() {
        return maxRateLimitedRetries;
    }

    /** The longest server-given delay the call waits out on one target. */
    public Duration maxServerDelay() {
        return maxServerDelay;
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", base=" + baseDelay + ", cap=" + maxDelay + ", jitter=" + jitter
                + ", maxServerDelay=" + maxServerDelay + ", retryOn=" + retryOn + "]";
    }

    /** Builds a {@link RetryPolicy}; each setting is validated when set. */
    public static final class Builder {
        private int maxAttempts = 4;
        private int maxRateLimitedRetries = 20;
        private Duration baseDelay = Duration.ofMillis(500);
        private Duration maxDelay = Duration.ofSeconds(30);
        private Duration maxServerDelay = Duration.ofSeconds(60);
        private Jitter jitter = Jitter.FULL;
        private Set<OutcomeFamily> retryOn = EnumSet.of(OutcomeFamily.RATE_LIMITED, OutcomeFamily.OVERLOADED,
                OutcomeFamily.SERVER_ERROR, OutcomeFamily.TIMEOUT, OutcomeFamily.CONNECTION_FAILURE);
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

        private Builder() {
        }

        /** Attempts per target including the first, 1 to 100. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 100) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 100, not " + maxAttempts + ".");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Retries after 429s per call, 0 to 1000 (default 20). */
        public Builder maxRateLimitedRetries(int retries) {
            if (retries < 0 || retries > 1000) {
                throw new IllegalArgumentException("maxRateLimitedRetries must be between 0 and 1000, not " + retries + ".");
            }
            this.maxRateLimitedRetries = retries;
            return this;
        }

        /** The first backoff ceiling, 1 ms to 1 min. */
        public Builder baseDelay(Duration baseDelay) {
            requireBetween("baseDelay", baseDelay, Duration.ofMillis(1), Duration.ofMinutes(1));
            this.baseDelay = baseDelay;
            return this;
        }

        /** The largest backoff, 1 ms to 10 min. */
        public Builder maxDelay(Duration maxDelay) {
            requireBetween("maxDelay", maxDelay, Duration.ofMillis(1), Duration.ofMinutes(10));
            this.maxDelay = maxDelay;
            return this;
        }

        /** The longest server-given delay waited out on one target, 0 to 1 day. */
        public Builder maxServerDelay(Duration maxServerDelay) {
            requireBetween("maxServerDelay", maxServerDelay, Duration.ZERO, Duration.ofDays(1));
            this.maxServerDelay = maxServerDelay;
            return this;
        }

        /** The jitter. */
        public Builder jitter(Jitter jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /** The families retried; request errors, auth errors and spend caps are refused. */
        public Builder retryOn(Set<OutcomeFamily> families) {
            for (OutcomeFamily f : families) {
                if (f.isCallersFault() || f == OutcomeFamily.SPEND_CAP || f == OutcomeFamily.SUCCESS) {
                    throw new IllegalArgumentException("retryOn cannot include " + f
                            + ": retrying cannot change its result; allowed: RATE_LIMITED, OVERLOADED, SERVER_ERROR, TIMEOUT, CONNECTION_FAILURE.");
                }
            }
            this.retryOn = EnumSet.noneOf(OutcomeFamily.class);
            this.retryOn.addAll(families);
            return this;
        }

        /** The random source in [0, 1), for reproducible tests. */
        public Builder random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** The policy. */
        public RetryPolicy build() {
            if (baseDelay.compareTo(maxDelay) > 0) {
                throw new IllegalArgumentException("baseDelay (" + baseDelay + ") must not exceed maxDelay (" + maxDelay + ").");
            }
            return new RetryPolicy(this);
        }

        private static void requireBetween(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value + ".");
            }
        }
    }
}
