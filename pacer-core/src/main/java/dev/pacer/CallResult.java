package dev.pacer;

import dev.pacer.outcome.Outcome;
import dev.pacer.route.Skip;
import dev.pacer.route.Target;
import java.time.Duration;
import java.util.List;

/**
 * A call that succeeded.
 *
 * @param value    what the answering attempt returned
 * @param target   the target that answered
 * @param outcome  its outcome
 * @param attempts attempts over the whole call
 * @param skipped  targets passed over before it, and why
 * @param queued   total time spent waiting for admission
 * @param callId   the call's number, as every {@link dev.pacer.event.PacerEvent} of it says
 * @param <T>      the value type
 */
public record CallResult<T>(T value, Target target, Outcome outcome, int attempts, List<Skip> skipped, Duration queued,
                            long callId) {

    public CallResult {
        skipped = List.copyOf(skipped);
    }

    /** True when a target other than the route's first answered. */
    public boolean fellBack() {
        return !skipped.isEmpty();
    }
}
