package dev.pacer;

import dev.pacer.outcome.Outcome;
import dev.pacer.route.Skip;
import java.util.List;

/**
 * A call that did not succeed on any target: the last outcome, how many attempts were made, and
 * why each target was passed over.
 */
public final class CallFailed extends PacerException {

    private final Outcome outcome;
    private final int attempts;
    private final List<Skip> skipped;
    private final long callId;

    public CallFailed(String message, Outcome outcome, int attempts, List<Skip> skipped, Throwable cause) {
        this(message, outcome, attempts, skipped, cause, 0);
    }

    /** As above, for the call numbered {@code callId} (as its events say). */
    public CallFailed(String message, Outcome outcome, int attempts, List<Skip> skipped, Throwable cause, long callId) {
        super(message, cause);
        this.outcome = outcome;
        this.attempts = attempts;
        this.skipped = List.copyOf(skipped);
        this.callId = callId;
    }

    /** The call's number, as every {@link dev.pacer.event.PacerEvent} of it says (0 when not known). */
    public long callId() {
        return callId;
    }

    /** The last outcome, or null when no attempt was made. */
    public Outcome outcome() {
        return outcome;
    }

    /** Attempts made over the whole call. */
    public int attempts() {
        return attempts;
    }

    /** Targets passed over, and why. */
    public List<Skip> skipped() {
        return skipped;
    }
}
