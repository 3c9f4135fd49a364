package dev.pacer;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Priority;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * What to call and how: the route (fallback chain), the estimated cost on each target, the
 * priority class and an optional deadline covering admission and every attempt.
 *
 * @param route    the targets, in order
 * @param cost     the estimated cost on a target (estimates differ by model); called when the call is admitted
 *                 and again while it waits at the head of its line, so it should be quick and may change
 * @param priority the admission class
 * @param deadline when the call must be done by, or null
 * @param clientRetries how many times the caller had already sent this same call itself (an SDK's own retry,
 *                      which the official SDKs number in {@code X-Stainless-Retry-Count}), 0 for a new call: a
 *                      call sent again is a retry of the earlier one, not new demand, so its first attempt is
 *                      counted as a retry ({@code RetryScheduled} with reason {@code client_retry}) and taken
 *                      from the retry budget instead of adding to it
 */
public record CallSpec(Route route, Function<Target, Cost> cost, Priority priority, Instant deadline, int clientRetries) {

    public CallSpec {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(cost, "cost");
        priority = priority == null ? Priority.NORMAL : priority;
        if (clientRetries < 0) {
            throw new IllegalArgumentException("clientRetries must be 0 or more, not " + clientRetries + ".");
        }
    }

    /** A new call (not a client's retry). */
    public CallSpec(Route route, Function<Target, Cost> cost, Priority priority, Instant deadline) {
        this(route, cost, priority, deadline, 0);
    }

    /** This call, as the caller's {@code count}-th retry of its own (0: a new call). */
    public CallSpec withClientRetries(int count) {
        return count == clientRetries ? this : new CallSpec(route, cost, priority, deadline, count);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link CallSpec}. */
    public static final class Builder {
        private Route route;
        private Function<Target, Cost> cost;
        private Priority priority = Priority.NORMAL;
        private Instant deadline;

        private Builder() {
        }

        /** The route (required). */
        public Builder route(Route route) {
            this.route = route;
            return this;
        }

        /** One estimated cost for every target. */
        public Builder cost(Cost cost) {
            Objects.requireNonNull(cost, "cost");
            this.cost = target -> cost;
            return this;
        }

        /** The estimated cost per target. */
        public Builder cost(Function<Target, Cost> cost) {
            this.cost = cost;
            return this;
        }

        /** The admission class (default NORMAL). */
        public Builder priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        /** The deadline (default none). */
        public Builder deadline(Instant deadline) {
            this.deadline = deadline;
            return this;
        }

        /** The spec. */
        public CallSpec build() {
            if (route == null) {
                throw new IllegalArgumentException("A call needs a route: set CallSpec.builder().route(Route.of(target)).");
            }
            if (cost == null) {
                throw new IllegalArgumentException("A call needs a cost estimate: set CallSpec.builder().cost(...).");
            }
            return new CallSpec(route, cost, priority, deadline);
        }
    }
}
